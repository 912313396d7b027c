import type { MessageInitShape } from "@bufbuild/protobuf";
import type { JsonValue } from "@bufbuild/protobuf";
import type { CreateRunRequestSchema, Run } from "@gatehouse/contracts";
import { unprocessable } from "./errors.js";
import {
  bodyObject,
  optionalBoolean,
  optionalJson,
  optionalObject,
  optionalString,
  optionalStringOrList,
  pick,
  queryFlag,
  queryInt,
  rejectFields,
  requiredString,
  type Body,
} from "./fields.js";
import { json, noContent, route, type Route, type RouteResponse } from "./route.js";
import { firstAndRest, sseResponse, type SseEvent } from "./run-stream.js";
import type { TranslatorDeps } from "./store-clients.js";
import { object, plain, present, protoValue, requiredIsoTime } from "./wire.js";

/**
 * A run as LangGraph's `Run` type describes it, plus `kwargs` (what the
 * client asked for, with the server-set `langgraph_auth_*` config keys) as
 * LangGraph servers return it.
 */
export function runJson(run: Run) {
  return {
    run_id: run.runId,
    thread_id: run.threadId,
    assistant_id: run.assistantId,
    created_at: requiredIsoTime(run.createdAt),
    updated_at: requiredIsoTime(run.updatedAt),
    status: run.status,
    metadata: object(run.metadata),
    kwargs: object(run.kwargs),
    multitask_strategy: run.multitaskStrategy || null,
  };
}

// Webhooks would call out of the deployment on a client's say-so: refused, never dropped.
const unsupported = ["webhook"];
// Accepted and without effect: LangSmith, feedback and durability settings concern LangGraph's own platform.

/** interrupt_before / interrupt_after: a list of node names, or "*" for every node. */
function nodeList(fields: Body, field: string): string[] {
  const value = fields[field];
  if (value === "*") return ["*"];
  return optionalStringOrList(fields, field) ?? [];
}

function optionalSeconds(fields: Body, field: string): number {
  const value = fields[field];
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw unprocessable(field, "must be a number of seconds, at least 0");
  return value;
}

/**
 * The store's CreateRunRequest for a LangGraph run-create body (create,
 * stream, wait and batch share it). The assistant id is passed as given:
 * a graph id names that graph's system assistant, as on LangGraph servers.
 */
export function createRunRequest(threadId: string, fields: Body): MessageInitShape<typeof CreateRunRequestSchema> {
  rejectFields(fields, unsupported, "not supported by Gatehouse");
  const checkpointId = optionalString(fields, "checkpoint_id");
  const checkpoint = optionalObject(fields, "checkpoint") ?? (checkpointId === undefined ? undefined : { checkpoint_id: checkpointId });
  return {
    threadId,
    assistantId: requiredString(fields, "assistant_id"),
    input: protoValue(optionalJson(fields, "input")),
    command: protoValue(optionalObject(fields, "command") as JsonValue | undefined),
    config: optionalObject(fields, "config"),
    context: optionalObject(fields, "context"),
    metadata: optionalObject(fields, "metadata"),
    multitaskStrategy: optionalString(fields, "multitask_strategy") ?? "",
    streamMode: optionalStringOrList(fields, "stream_mode") ?? [],
    streamSubgraphs: optionalBoolean(fields, "stream_subgraphs") ?? false,
    checkpoint,
    interruptBefore: nodeList(fields, "interrupt_before"),
    interruptAfter: nodeList(fields, "interrupt_after"),
    afterSeconds: optionalSeconds(fields, "after_seconds"),
    ifNotExists: optionalString(fields, "if_not_exists") ?? "",
    onCompletion: optionalString(fields, "on_completion") ?? "",
    onDisconnect: optionalString(fields, "on_disconnect") ?? "",
  };
}

/** A created run, with the Content-Location the SDK reads to report the run's ids. */
function created(run: Run): RouteResponse {
  return json(runJson(run), runLocation(run));
}

function runLocation(run: Run): Record<string, string> {
  return { "content-location": `/threads/${run.threadId}/runs/${run.runId}` };
}

/** The runs endpoints: create, stream, wait (on a thread and thread-less), batch, get, list, join, join-stream, cancel and delete. */
export function runRoutes({ store }: TranslatorDeps): Route[] {
  /** Creates a run and streams it: nothing is written until the store has answered with the run. */
  async function streamRun(threadId: string, body: unknown, call: RouteCallOptions): Promise<RouteResponse> {
    const { first, rest } = await firstAndRest(store.runs.streamRun({ run: createRunRequest(threadId, bodyObject(body)) }, call));
    const run = first?.message.case === "run" ? first.message.value : undefined;
    if (run === undefined) throw new Error("the store's run stream did not start with the run");
    return sseResponse(run.threadId, run.runId, events(rest));
  }

  async function waitRun(threadId: string, body: unknown, call: RouteCallOptions): Promise<RouteResponse> {
    const { run, output } = await store.runs.waitRun({ run: createRunRequest(threadId, bodyObject(body)) }, call);
    return json(plain(output), runLocation(present(run, "a run")));
  }

  return [
    route("POST", "/threads/:thread_id/runs", async ({ params, body, call }) => {
      const { run } = await store.runs.createRun(createRunRequest(params.thread_id!, bodyObject(body)), call);
      return created(present(run, "a run"));
    }),

    // A thread-less run: the store makes a new thread for it, authorized by threads:create_run alone.
    route("POST", "/runs", async ({ body, call }) => {
      const { run } = await store.runs.createRun(createRunRequest("", bodyObject(body)), call);
      return created(present(run, "a run"));
    }),

    route("POST", "/threads/:thread_id/runs/stream", ({ params, body, longCall }) => streamRun(params.thread_id!, body, longCall)),
    route("POST", "/runs/stream", ({ body, longCall }) => streamRun("", body, longCall)),
    route("POST", "/threads/:thread_id/runs/wait", ({ params, body, longCall }) => waitRun(params.thread_id!, body, longCall)),
    route("POST", "/runs/wait", ({ body, longCall }) => waitRun("", body, longCall)),

    // Each run of a batch is created and authorized on its own, as the SDK's createBatch expects.
    route("POST", "/runs/batch", async ({ body, call }) => {
      if (!Array.isArray(body)) throw unprocessable("body", "must be a JSON array of runs");
      const runs = [];
      for (const payload of body) {
        const { run } = await store.runs.createRun(createRunRequest("", bodyObject(payload)), call);
        runs.push(runJson(present(run, "a run")));
      }
      return json(runs);
    }),

    route("POST", "/runs/cancel", async ({ body, query, call }) => {
      const fields = bodyObject(body);
      await store.runs.cancelRuns(
        {
          threadId: optionalString(fields, "thread_id") ?? "",
          runIds: optionalStringOrList(fields, "run_ids") ?? [],
          status: optionalString(fields, "status") ?? "",
          action: query.get("action") ?? "",
        },
        call,
      );
      return noContent;
    }),

    route("GET", "/threads/:thread_id/runs", async ({ params, query, call }) => {
      const { runs } = await store.runs.listRuns(
        {
          threadId: params.thread_id!,
          status: query.get("status") ?? "",
          limit: queryInt(query, "limit") ?? 0,
          offset: queryInt(query, "offset") ?? 0,
        },
        call,
      );
      const select = query.getAll("select");
      return json(runs.map((run) => pick(runJson(run), select)));
    }),

    route("GET", "/threads/:thread_id/runs/:run_id", async ({ params, call }) => {
      const { run } = await store.runs.getRun({ threadId: params.thread_id!, runId: params.run_id! }, call);
      return json(runJson(present(run, "a run")));
    }),

    route("GET", "/threads/:thread_id/runs/:run_id/join", async ({ params, longCall }) => {
      const { output } = await store.runs.joinRun({ threadId: params.thread_id!, runId: params.run_id! }, longCall);
      return json(plain(output));
    }),

    route(
      "GET",
      "/threads/:thread_id/runs/:run_id/stream",
      async ({ params, query, headers, longCall }) => {
        const lastEventId = headers["last-event-id"];
        const { first, rest } = await firstAndRest(
          store.runs.joinRunStream(
            {
              threadId: params.thread_id!,
              runId: params.run_id!,
              lastEventId: typeof lastEventId === "string" ? lastEventId : "",
              cancelOnDisconnect: queryFlag(query, "cancel_on_disconnect"),
            },
            longCall,
          ),
        );
        // The store has authorized the call by the time its first message (or its end) arrives.
        const all: AsyncIterable<SseEvent> = (async function* () {
          if (first?.event !== undefined) yield first.event;
          for await (const message of rest) if (message.event !== undefined) yield message.event;
        })();
        return sseResponse(params.thread_id!, params.run_id!, all);
      },
      { readsBody: false },
    ),

    route("POST", "/threads/:thread_id/runs/:run_id/cancel", async ({ params, query, call, longCall }) => {
      if (query.get("reason") !== null) throw unprocessable("reason", "cancel reasons are not supported by Gatehouse");
      const wait = queryFlag(query, "wait");
      await store.runs.cancelRun({ threadId: params.thread_id!, runId: params.run_id!, action: query.get("action") ?? "", wait }, wait ? longCall : call);
      return wait ? noContent : { status: 202 };
    }),

    route("DELETE", "/threads/:thread_id/runs/:run_id", async ({ params, call }) => {
      await store.runs.deleteRun({ threadId: params.thread_id!, runId: params.run_id! }, call);
      return noContent;
    }),
  ];
}

type RouteCallOptions = Parameters<Route["handle"]>[0]["call"];

async function* events(stream: AsyncIterable<{ message: { case: string | undefined; value?: unknown } }>): AsyncIterable<SseEvent> {
  for await (const { message } of stream) {
    if (message.case === "event") yield message.value as SseEvent;
  }
}
