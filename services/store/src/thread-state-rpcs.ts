import { create, fromJson, toJson, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { CheckpointSchema, type Checkpoint, type ThreadService } from "@gatehouse/contracts";
import { ErrorReason, httpStatusError, invalidArgument } from "@gatehouse/errors";
import { defaultAssistantId } from "@gatehouse/graphs/assistants";
import { found } from "./found.js";
import { rpc, type GuardedMethods } from "./guarded-service.js";
import type { ThreadGraph, ThreadRepo } from "./repo/thread-repo.js";
import { requireUuid } from "./validate.js";
import type { WorkerCaller } from "./worker-client.js";

/**
 * The state of a thread no run has touched, as LangGraph servers answer it:
 * no graph to ask, so empty values, nothing next and no checkpoint.
 */
export const emptyThreadState: JsonObject = {
  values: {},
  next: [],
  tasks: [],
  checkpoint: null,
  metadata: null,
  created_at: null,
  parent_checkpoint: null,
  interrupts: [],
};

function stringField(object: JsonObject, field: string, key: string): string | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalidArgument(`${field}.${key}`, "must be a string");
  return value;
}

/** A request's checkpoint Struct (checkpoint_id, checkpoint_ns, checkpoint_map) as the worker's Checkpoint; unset stays unset. */
export function checkpointOf(field: string, given: JsonObject | undefined): Checkpoint | undefined {
  if (given === undefined) return undefined;
  // A RunnableConfig (`{configurable: {checkpoint_id, …}}`), which LangGraph clients send as `before`, names its checkpoint inside.
  const inner = given.configurable;
  const value = inner !== null && typeof inner === "object" && !Array.isArray(inner) ? inner : given;
  const checkpointId = stringField(value, field, "checkpoint_id") ?? "";
  const checkpointNs = stringField(value, field, "checkpoint_ns") ?? "";
  const map = value.checkpoint_map;
  if (map !== undefined && map !== null && (typeof map !== "object" || Array.isArray(map))) throw invalidArgument(`${field}.checkpoint_map`, "must be an object");
  return create(CheckpointSchema, { checkpointId, checkpointNs, ...(map !== undefined && map !== null && { checkpointMap: map as JsonObject }) });
}

/**
 * The graph a thread runs: its latest run's assistant's graph; for a run that
 * named a graph (or its default assistant, before that has a row) that graph;
 * else the `graph_id` of its metadata; null when nothing says (no run yet).
 */
export function graphIdOf(thread: ThreadGraph, graphs: ReadonlySet<string>): string | null {
  if (thread.runGraphId !== null) return thread.runGraphId;
  const named = thread.runAssistantId;
  if (named !== null) {
    if (graphs.has(named)) return named;
    const graph = [...graphs].find((id) => defaultAssistantId(id) === named);
    if (graph !== undefined) return graph;
  }
  return thread.metadataGraphId;
}

function value(json: JsonValue) {
  return fromJson(ValueSchema, json);
}

/**
 * GetThreadState, GetThreadHistory and UpdateThreadState: each proves the
 * thread visible through the caller's Access in one statement (a hidden
 * thread answers the missing thread's NOT_FOUND, and the worker is never
 * asked), then asks the worker with the graph the thread runs.
 */
export function threadStateRpcs(
  threads: ThreadRepo,
  worker: WorkerCaller,
  graphs: ReadonlySet<string>,
): Pick<GuardedMethods<typeof ThreadService, "threads">, "getThreadState" | "getThreadHistory" | "updateThreadState"> {
  return {
    getThreadState: rpc({
      authorize(request) {
        const threadId = requireUuid("thread_id", request.threadId);
        const checkpoint = checkpointOf("checkpoint", request.checkpoint);
        return { value: { thread_id: threadId }, input: { threadId, checkpoint, subgraphs: request.subgraphs } };
      },
      async run({ threadId, checkpoint, subgraphs }, access, call) {
        const graphId = graphIdOf(found(await threads.graphOf(threadId, access), "thread"), graphs);
        if (graphId === null) return { state: value(emptyThreadState) };
        const { state } = await worker.call(call.context, (client, options) => client.getThreadState({ graphId, threadId, checkpoint, subgraphs }, options));
        return { state: value(state ?? emptyThreadState) };
      },
    }),

    getThreadHistory: rpc({
      authorize(request) {
        const threadId = requireUuid("thread_id", request.threadId);
        const limit = request.limit === 0 ? 10 : request.limit;
        if (limit < 1 || limit > 1000) throw invalidArgument("limit", "must be between 1 and 1000");
        const before = checkpointOf("before", request.before);
        const checkpoint = checkpointOf("checkpoint", request.checkpoint);
        return {
          value: { thread_id: threadId },
          input: { threadId, limit, before, checkpoint, filter: request.metadata },
        };
      },
      async run({ threadId, limit, before, checkpoint, filter }, access, call) {
        const graphId = graphIdOf(found(await threads.graphOf(threadId, access), "thread"), graphs);
        // LangGraph servers answer an empty history for a thread no run has touched.
        if (graphId === null) return { states: [] };
        const { states } = await worker.call(call.context, (client, options) =>
          client.getThreadHistory({ graphId, threadId, limit, before, checkpoint, filter }, options),
        );
        return { states: states.map(value) };
      },
    }),

    updateThreadState: rpc({
      authorize(request) {
        const threadId = requireUuid("thread_id", request.threadId);
        const checkpoint = checkpointOf("checkpoint", request.checkpoint);
        const asNode = request.asNode;
        return {
          value: { thread_id: threadId },
          input: { threadId, checkpoint, asNode, values: request.values === undefined ? null : toJson(ValueSchema, request.values) },
        };
      },
      async run({ threadId, checkpoint, asNode, values }, access, call) {
        const graphId = graphIdOf(found(await threads.graphOf(threadId, access), "thread"), graphs);
        // As LangGraph servers answer, a 400: without a run there is no graph whose reducers could take the values.
        if (graphId === null) throw httpStatusError(400, ErrorReason.INVALID_ARGUMENT, `Thread ${threadId} has no graph ID`);
        const result = await worker.call(call.context, (client, options) =>
          client.updateThreadState({ graphId, threadId, checkpoint, asNode, values: values === null ? undefined : value(values) }, options),
        );
        const written = result.checkpoint;
        return {
          checkpoint:
            written === undefined
              ? undefined
              : { thread_id: written.threadId, checkpoint_ns: written.checkpointNs, checkpoint_id: written.checkpointId, ...(written.checkpointMap !== undefined && { checkpoint_map: written.checkpointMap }) },
        };
      },
    }),
  };
}
