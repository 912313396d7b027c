import type { MessageInitShape } from "@bufbuild/protobuf";
import type { CreateRunRequestSchema, Run } from "@gatehouse/contracts";
import { unprocessable } from "./errors.js";
import {
  bodyObject,
  optionalJson,
  optionalObject,
  optionalString,
  optionalStringOrList,
  pick,
  queryInt,
  rejectFields,
  requiredString,
  type Body,
} from "./fields.js";
import { json, noContent, route, type Route, type RouteResponse } from "./route.js";
import type { TranslatorDeps } from "./store-clients.js";
import { object, present, protoValue, requiredIsoTime } from "./wire.js";

/**
 * A run as LangGraph's `Run` type describes it, plus `kwargs` (what the
 * client asked for, with the server-set `langgraph_auth_*` config keys) as
 * LangGraph servers return it. Gatehouse records runs and does not execute
 * them, so a new run stays `pending` until it is cancelled.
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

// Options that would change what the run is, which the store cannot record: rejected, never dropped.
const unrecordable = ["command", "context", "checkpoint", "checkpoint_id", "interrupt_before", "interrupt_after", "webhook"];
// Options that only steer execution or streaming (stream_subgraphs, durability, on_completion, feedback_keys, …)
// are accepted and have no effect: Gatehouse executes nothing.

/**
 * The store's CreateRunRequest for a LangGraph run-create body. The
 * assistant id is recorded as given, graph ids included (the store accepts
 * them), as LangGraph servers accept `"agent"` for the graph's default
 * assistant.
 */
export function createRunRequest(threadId: string, fields: Body): MessageInitShape<typeof CreateRunRequestSchema> {
  rejectFields(fields, unrecordable, "not supported by Gatehouse, which records runs without executing them");
  rejectFields(fields, ["after_seconds"], "delayed runs are not supported by Gatehouse", [0]);
  rejectFields(fields, ["if_not_exists"], "creating the thread on a missing id is not supported by Gatehouse; create it first", ["reject"]);
  return {
    threadId,
    assistantId: requiredString(fields, "assistant_id"),
    input: protoValue(optionalJson(fields, "input")),
    config: optionalObject(fields, "config"),
    metadata: optionalObject(fields, "metadata"),
    multitaskStrategy: optionalString(fields, "multitask_strategy") ?? "",
    streamMode: optionalStringOrList(fields, "stream_mode") ?? [],
  };
}

/** A created run, with the Content-Location the SDK reads to report the run's ids. */
function created(run: Run): RouteResponse {
  return json(runJson(run), { "content-location": `/threads/${run.threadId}/runs/${run.runId}` });
}

/** The runs endpoints: create (on a thread and thread-less), get, list, cancel and delete. */
export function runRoutes({ store }: TranslatorDeps): Route[] {
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

    // Cancelling only marks the run interrupted, which is immediate, so `wait` changes nothing.
    route("POST", "/threads/:thread_id/runs/:run_id/cancel", async ({ params, query, call }) => {
      if (query.get("reason") !== null) throw unprocessable("reason", "cancel reasons are not supported by Gatehouse");
      await store.runs.cancelRun({ threadId: params.thread_id!, runId: params.run_id!, action: query.get("action") ?? "" }, call);
      return { status: 202 };
    }),

    route("DELETE", "/threads/:thread_id/runs/:run_id", async ({ params, call }) => {
      await store.runs.deleteRun({ threadId: params.thread_id!, runId: params.run_id! }, call);
      return noContent;
    }),
  ];
}
