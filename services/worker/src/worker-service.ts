import { toJson, type JsonObject } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, type ServiceImpl } from "@connectrpc/connect";
import type { Checkpoint, WorkerService } from "@gatehouse/contracts";
import { ErrorReason, gatehouseError, invalidArgument } from "@gatehouse/errors";
import type { LoadedGraph } from "@gatehouse/graphs";
import type pg from "pg";
import type { CheckpointRef } from "./checkpoint-ref.js";
import { getGraphSchemas, getGraphStructure, getSubgraphSchemas } from "./graph-info.js";
import { copyThreadCheckpoints, pruneThreadCheckpoints } from "./thread-checkpoints.js";
import { getThreadHistory, getThreadState, threadAfterRun, updateThreadState } from "./thread-state.js";
import type { ThreadAfterRun } from "./run-queue.js";

/** What WorkerService reads and writes. */
export interface WorkerServiceDeps {
  graphs: ReadonlyMap<string, LoadedGraph>;
  /** Keeps the thread row's values, interrupts and status in step with a state update. */
  writeThread(threadId: string, thread: ThreadAfterRun): Promise<void>;
  /** The database holding the checkpoints, for copying and pruning a thread's. */
  db: pg.Pool;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function threadIdOf(value: string, field = "thread_id"): string {
  if (value === "") throw invalidArgument(field, "is required");
  if (!uuid.test(value)) throw invalidArgument(field, "must be a UUID");
  return value;
}

function checkpointOf(checkpoint: Checkpoint | undefined): Partial<CheckpointRef> | null {
  if (checkpoint === undefined) return null;
  return {
    checkpoint_ns: checkpoint.checkpointNs,
    ...(checkpoint.checkpointId !== "" && { checkpoint_id: checkpoint.checkpointId }),
    ...(checkpoint.checkpointMap !== undefined && { checkpoint_map: checkpoint.checkpointMap }),
  };
}

function checkpointToProto(ref: CheckpointRef | null) {
  if (ref === null) return undefined;
  return {
    threadId: ref.thread_id,
    checkpointNs: ref.checkpoint_ns,
    checkpointId: ref.checkpoint_id,
    ...(ref.checkpoint_map !== null && { checkpointMap: ref.checkpoint_map as JsonObject }),
  };
}

function json(value: unknown): JsonObject {
  return value as JsonObject;
}

/**
 * WorkerService: thread state and graph introspection for the store to call
 * once it has authorized the caller. Thin: each method validates its request
 * and delegates to thread-state.ts or graph-info.ts.
 */
export function createWorkerService(deps: WorkerServiceDeps): ServiceImpl<typeof WorkerService> {
  const graphOf = (graphId: string): LoadedGraph => {
    if (graphId === "") throw invalidArgument("graph_id", "is required");
    const graph = deps.graphs.get(graphId);
    if (graph === undefined) throw gatehouseError(Code.NotFound, ErrorReason.GRAPH_NOT_FOUND, "graph not found", { graph_id: graphId });
    return graph;
  };
  return {
    async getThreadState(request) {
      const graph = graphOf(request.graphId);
      const state = await getThreadState(graph, threadIdOf(request.threadId), { checkpoint: checkpointOf(request.checkpoint), subgraphs: request.subgraphs });
      return { state: json(state) };
    },

    async getThreadHistory(request) {
      const graph = graphOf(request.graphId);
      const threadId = threadIdOf(request.threadId);
      const limit = request.limit === 0 ? 10 : request.limit;
      if (limit < 1 || limit > 1000) throw invalidArgument("limit", "must be between 1 and 1000");
      const states = await getThreadHistory(graph, threadId, {
        limit,
        before: checkpointOf(request.before),
        ...(request.filter !== undefined && { filter: request.filter }),
        checkpoint: checkpointOf(request.checkpoint),
      });
      return { states: states.map(json) };
    },

    async updateThreadState(request) {
      const graph = graphOf(request.graphId);
      const threadId = threadIdOf(request.threadId);
      const result = await updateThreadState(graph, threadId, {
        values: request.values === undefined ? null : toJson(ValueSchema, request.values),
        ...(request.asNode !== "" && { asNode: request.asNode }),
        checkpoint: checkpointOf(request.checkpoint),
      }).catch((error: unknown) => {
        // LangGraph refuses an update its state cannot take (an unknown node, a value its channels reject).
        if (error instanceof Error && error.name === "InvalidUpdateError") throw invalidArgument(request.asNode === "" ? "values" : "as_node", error.message);
        throw error;
      });
      await deps.writeThread(threadId, await threadAfterRun(graph, threadId, false));
      return { checkpoint: checkpointToProto(result.checkpoint) };
    },

    async copyThreadState(request) {
      await copyThreadCheckpoints(deps.db, threadIdOf(request.fromThreadId, "from_thread_id"), threadIdOf(request.toThreadId, "to_thread_id"));
      return {};
    },

    async pruneThreadState(request) {
      if (request.threadIds.length > 1000) throw invalidArgument("thread_ids", "at most 1000 ids");
      const threadIds = request.threadIds.map((id, index) => threadIdOf(id, `thread_ids[${index}]`));
      await pruneThreadCheckpoints(deps.db, threadIds, request.keepLatest);
      return {};
    },

    async getGraph(request) {
      const graph = graphOf(request.graphId);
      const xray = request.xray < 0 ? true : request.xray;
      return { graph: json(await getGraphStructure(graph, xray)) };
    },

    async getSchemas(request) {
      return { schemas: json(getGraphSchemas(request.graphId, graphOf(request.graphId))) };
    },

    async getSubgraphs(request) {
      const graph = graphOf(request.graphId);
      return { subgraphs: json(await getSubgraphSchemas(graph, request.namespace === "" ? undefined : request.namespace, request.recurse)) };
    },
  };
}
