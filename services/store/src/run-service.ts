import { randomUUID } from "node:crypto";
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { RunService } from "@gatehouse/contracts";
import { ErrorReason, gatehouseError } from "@gatehouse/errors";
import type { JsonObject } from "@gatehouse/filters";
import type { UserRecord } from "@gatehouse/identity";
import type { AccessGuard } from "./authorization.js";
import { changed, found } from "./found.js";
import { guardedService, rpc } from "./guarded-service.js";
import { pendingRpc } from "./pending-rpcs.js";
import type { RunRepo } from "./repo/run-repo.js";
import { runToProto } from "./rows-to-proto.js";
import { compact, jsonObjectText, limits, oneOf, optionalOneOf, page, requireUuid, text } from "./validate.js";

const multitaskStrategies = ["reject", "interrupt", "rollback", "enqueue"] as const;
const runStatuses = ["pending", "running", "error", "success", "timeout", "interrupted"] as const;

/**
 * The run config the server records: the client's config with the
 * langgraph_auth_* keys of `configurable` written by the server over
 * whatever the client sent, as LangGraph servers do.
 */
export function configWithAuth(config: JsonObject | undefined, user: UserRecord): JsonObject {
  const clientConfigurable = config?.configurable;
  const configurable =
    clientConfigurable !== null && typeof clientConfigurable === "object" && !Array.isArray(clientConfigurable)
      ? clientConfigurable
      : {};
  return {
    ...config,
    configurable: {
      ...configurable,
      langgraph_auth_user: user as JsonObject,
      langgraph_auth_user_id: user.identity,
      langgraph_auth_permissions: user.permissions,
    },
  };
}

/** RunService: every call is authorized through the parent thread, its Access applied in the same statement. */
export function runServiceRoute(guard: AccessGuard, runs: RunRepo) {
  return guardedService(RunService, "threads", guard, {
    createRun: rpc({
      authorize(request) {
        const threadless = request.threadId === "";
        const threadId = threadless ? randomUUID() : requireUuid("thread_id", request.threadId);
        const assistantId = text("assistant_id", request.assistantId, { required: true });
        const multitaskStrategy = oneOf("multitask_strategy", request.multitaskStrategy, multitaskStrategies, "reject");
        jsonObjectText("metadata", request.metadata);
        const runId = randomUUID();
        const clientKwargs = compact({ input: request.input && toJson(ValueSchema, request.input), config: request.config ?? {}, stream_mode: request.streamMode });
        jsonObjectText("input/config", clientKwargs, limits.maxValueBytes);
        // A run without a thread raises only threads:create_run, as in LangGraph; its new thread takes the run's metadata.
        const value = compact({
          thread_id: threadless ? undefined : threadId,
          assistant_id: assistantId,
          run_id: runId,
          status: "pending",
          metadata: request.metadata ?? {},
          multitask_strategy: multitaskStrategy,
          kwargs: clientKwargs,
        });
        return { value, input: { threadless, threadId, assistantId, runId, multitaskStrategy, clientKwargs, metadata: request.metadata, config: request.config } };
      },
      async run(input, access) {
        const run = {
          runId: input.runId,
          threadId: input.threadId,
          assistantId: input.assistantId,
          metadata: input.metadata,
          kwargsJson: JSON.stringify({ ...input.clientKwargs, config: configWithAuth(input.config, access.user) }),
          multitaskStrategy: input.multitaskStrategy,
        };
        const created = input.threadless ? await runs.insertWithNewThread(run, access) : await runs.insertOnVisibleThread(run, access);
        return { run: runToProto(found(created, "thread")) };
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
        const action = oneOf("action", request.action, ["interrupt", "rollback"], "interrupt");
        return { value: { thread_id: threadId, run_id: runId, action }, input: { threadId, runId } };
      },
      async run({ threadId, runId }, access) {
        const cancelled = await runs.cancel(threadId, runId, access);
        if (cancelled !== undefined) return { run: runToProto(cancelled) };
        found(await runs.get(threadId, runId, access), "run");
        throw gatehouseError(Code.FailedPrecondition, ErrorReason.RUN_NOT_ACTIVE, "only a pending or running run can be cancelled");
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
        return {};
      },
    }),
    streamRun: pendingRpc("thread_id") as never,
    waitRun: pendingRpc("thread_id") as never,
    joinRun: pendingRpc("thread_id") as never,
    joinRunStream: pendingRpc("thread_id") as never,
    cancelRuns: pendingRpc("thread_id") as never,
  });
}
