import { create, fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import type { JsonObject } from "@gatehouse/filters";
import { Code, ConnectError } from "@connectrpc/connect";
import { CreateRunRequestSchema, RunService } from "@gatehouse/contracts";
import { ErrorReason, gatehouseError, invalidArgument } from "@gatehouse/errors";
import type { RunEventLog } from "@gatehouse/run-events";
import type { Access, AccessGuard } from "./authorization.js";
import { changed, found } from "./found.js";
import { guardedService, rpc } from "./guarded-service.js";
import type { CancelAction, RunRepo, RunRow } from "./repo/run-repo.js";
import { configWithAuth, createRun, finishStreams, runToCreate } from "./run-create.js";
import { createRunFollower, eventToProto, hasEnded } from "./run-follow.js";
import { runToProto } from "./rows-to-proto.js";
import { idList, oneOf, optionalOneOf, page, requireUuid } from "./validate.js";

const runStatuses = ["pending", "running", "error", "success", "timeout", "interrupted"] as const;
const cancelActions = ["interrupt", "rollback"] as const;

/** The run config the server records; see run-create.ts. */
export { configWithAuth };

/**
 * Cancels one run the caller may see, for CancelRun and for a stream whose
 * caller went away: pending runs stop at once, running ones are signalled
 * to their worker. Undefined when there was no pending or running such run.
 */
async function cancelOne(runs: RunRepo, events: RunEventLog, run: { threadId: string; runId: string }, action: CancelAction, access: Access<"threads">) {
  const cancelled = await runs.cancel({ threadId: run.threadId, runIds: [run.runId] }, action, access);
  await finishStreams(events, cancelled.stopped);
  const row = cancelled.runs[0];
  if (row === undefined) return undefined;
  return { row, signalled: cancelled.signalled.length > 0 };
}

/** Cancels a run left behind by a caller that went away; a failure is not the caller's concern any more. */
function cancelLeftBehind(runs: RunRepo, events: RunEventLog, run: RunRow, access: Access<"threads">): Promise<unknown> {
  return cancelOne(runs, events, { threadId: run.thread_id, runId: run.run_id }, "interrupt", access).catch(() => undefined);
}

/** A nested CreateRunRequest (StreamRun, WaitRun), an empty one when absent so validation names its fields. */
function nested(run: Parameters<typeof runToCreate>[0] | undefined) {
  return run ?? create(CreateRunRequestSchema);
}

/**
 * RunService: every call is authorized through the parent thread, its
 * Access applied in the same statement; runs are executed by the workers,
 * whose events are read from `events` (README, "Runs execute").
 */
export function runServiceRoute(guard: AccessGuard, runs: RunRepo, events: RunEventLog, graphs: ReadonlySet<string>) {
  const follower = createRunFollower(runs, events);
  return guardedService(RunService, "threads", guard, {
    createRun: rpc({
      authorize: (request) => runToCreate(request, graphs),
      async run(input, access) {
        return { run: runToProto(await createRun(runs, events, input, access)) };
      },
    }),

    streamRun: rpc({
      authorize: (request) => runToCreate(nested(request.run), graphs),
      async *run(input, access, call) {
        const run = await createRun(runs, events, input, access);
        const signal = call.context.signal;
        yield { message: { case: "run" as const, value: runToProto(run) } };
        let ended = false;
        try {
          for await (const event of events.read(run.run_id, { signal })) yield { message: { case: "event" as const, value: eventToProto(event) } };
          ended = !signal.aborted;
        } finally {
          if (!ended && input.onDisconnect === "cancel") await cancelLeftBehind(runs, events, run, access);
        }
      },
    }),

    waitRun: rpc({
      authorize: (request) => runToCreate(nested(request.run), graphs),
      async run(input, access, call) {
        const run = await createRun(runs, events, input, access);
        try {
          const ended = await follower.untilEnded(run, access, call.context.signal);
          return { run: runToProto(ended.run), output: fromJson(ValueSchema, ended.output) };
        } catch (error) {
          if (call.context.signal.aborted && input.onDisconnect === "cancel") await cancelLeftBehind(runs, events, run, access);
          throw error;
        }
      },
    }),

    joinRun: rpc({
      authorize(request) {
        const threadId = requireUuid("thread_id", request.threadId);
        const runId = requireUuid("run_id", request.runId);
        return { value: { thread_id: threadId, run_id: runId }, input: { threadId, runId } };
      },
      async run({ threadId, runId }, access, call) {
        const run = found(await runs.get(threadId, runId, access), "run");
        const ended = await follower.untilEnded(run, access, call.context.signal);
        return { run: runToProto(ended.run), output: fromJson(ValueSchema, ended.output) };
      },
    }),

    joinRunStream: rpc({
      authorize(request) {
        const threadId = requireUuid("thread_id", request.threadId);
        const runId = requireUuid("run_id", request.runId);
        if (request.lastEventId.length > 64) throw invalidArgument("last_event_id", "longer than 64 characters");
        // "-1" asks for the whole run, as the LangGraph SDK sends it; empty does too.
        const lastEventId = request.lastEventId === "" || request.lastEventId === "-1" ? undefined : request.lastEventId;
        return { value: { thread_id: threadId, run_id: runId }, input: { threadId, runId, lastEventId, cancelOnDisconnect: request.cancelOnDisconnect } };
      },
      async *run({ threadId, runId, lastEventId, cancelOnDisconnect }, access, call) {
        const run = found(await runs.get(threadId, runId, access), "run");
        const signal = call.context.signal;
        const stream = await follower.events(run, lastEventId, signal);
        // Authorized, and the resume point accepted: an empty first message lets the gateway write its headers.
        yield {};
        let ended = hasEnded(run);
        try {
          for await (const event of stream) yield { event: eventToProto(event) };
          ended = !signal.aborted;
        } finally {
          if (!ended && cancelOnDisconnect) await cancelLeftBehind(runs, events, run, access);
        }
      },
    }),

    getRun: rpc({
      authorize(request) {
        const threadId = requireUuid("thread_id", request.threadId);
        const runId = requireUuid("run_id", request.runId);
        return { value: { thread_id: threadId, run_id: runId }, input: { threadId, runId } };
      },
      async run({ threadId, runId }, access) {
        return { run: runToProto(found(await runs.get(threadId, runId, access), "run")) };
      },
    }),

    listRuns: rpc({
      authorize(request) {
        const threadId = requireUuid("thread_id", request.threadId);
        const status = optionalOneOf("status", request.status, runStatuses);
        const { limit, offset } = page(request.limit, request.offset);
        return { value: { thread_id: threadId }, input: { threadId, status, limit, offset } };
      },
      async run({ threadId, status, limit, offset }, access) {
        const rows = found(await runs.list(threadId, status, limit, offset, access), "thread");
        return { runs: rows.map(runToProto) };
      },
    }),

    cancelRun: rpc({
      authorize(request) {
        const threadId = requireUuid("thread_id", request.threadId);
        const runId = requireUuid("run_id", request.runId);
        const action = oneOf("action", request.action, cancelActions, "interrupt");
        return { value: { thread_id: threadId, run_id: runId, action }, input: { threadId, runId, action, wait: request.wait } };
      },
      async run({ threadId, runId, action, wait }, access, call) {
        const cancelled = await cancelOne(runs, events, { threadId, runId }, action, access);
        if (cancelled === undefined) {
          found(await runs.get(threadId, runId, access), "run");
          throw gatehouseError(Code.FailedPrecondition, ErrorReason.RUN_NOT_ACTIVE, "only a pending or running run can be cancelled");
        }
        const stoppedNow = { ...cancelled.row, status: "interrupted", updated_at: new Date() };
        if (!cancelled.signalled) return { run: runToProto(stoppedNow) };
        if (!wait) return { run: runToProto(cancelled.row) };
        // The worker finishes the run's stream once it has stopped it (and, for rollback, deleted it).
        for await (const _event of events.read(runId, { signal: call.context.signal })) void _event;
        if (call.context.signal.aborted) throw new ConnectError("the caller went away", Code.Canceled);
        return { run: runToProto((await runs.get(threadId, runId, access)) ?? stoppedNow) };
      },
    }),

    cancelRuns: rpc({
      authorize(request): { value: JsonObject; input: { which: Parameters<RunRepo["cancel"]>[0]; action: CancelAction } } {
        const action = oneOf("action", request.action, cancelActions, "interrupt");
        const runIds = idList("run_ids", request.runIds);
        if (runIds !== undefined) {
          if (request.status !== "") throw invalidArgument("status", "give either run_ids or status, not both");
          const threadId = requireUuid("thread_id", request.threadId);
          return { value: { thread_id: threadId, run_ids: runIds, action }, input: { which: { threadId, runIds }, action } };
        }
        if (request.threadId !== "") throw invalidArgument("run_ids", "required with thread_id");
        const status = oneOf("status", request.status, ["pending", "running", "all"], "all");
        if (request.status === "") throw invalidArgument("status", "required without run_ids: pending, running or all");
        const statuses = status === "all" ? (["pending", "running"] as const) : ([status] as const);
        return { value: { status, action }, input: { which: { statuses }, action } };
      },
      async run({ which, action }, access) {
        const cancelled = await runs.cancel(which, action, access);
        await finishStreams(events, cancelled.stopped);
        return { cancelled: cancelled.runs.length };
      },
    }),

    deleteRun: rpc({
      authorize(request) {
        const threadId = requireUuid("thread_id", request.threadId);
        const runId = requireUuid("run_id", request.runId);
        return { value: { thread_id: threadId, run_id: runId }, input: { threadId, runId } };
      },
      async run({ threadId, runId }, access) {
        changed(await runs.delete(threadId, runId, access), "run");
        // Whoever follows the run stops waiting: a worker running it finds it gone and writes nothing more.
        await events.finish(runId);
        return {};
      },
    }),
  });
}
