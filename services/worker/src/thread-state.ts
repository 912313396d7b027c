import type { LoadedGraph } from "@gatehouse/graphs";
import { checkpointRef, type CheckpointRef } from "./checkpoint-ref.js";
import type { ThreadAfterRun } from "./run-queue.js";
import { errorPayload, toWire } from "./wire-json.js";

type Json = Record<string, unknown>;

/** A LangGraph.js StateSnapshot, as far as the HTTP API's ThreadState uses it. */
interface StateSnapshot {
  values: unknown;
  next: string[];
  tasks: Array<{ id: string; name: string; error?: unknown; interrupts?: unknown[]; path?: unknown; state?: unknown; result?: unknown }>;
  metadata?: unknown;
  config: unknown;
  parentConfig?: unknown;
  createdAt?: string;
}

/** A thread's state as LangGraph's HTTP API answers it (`GET /threads/{id}/state`). */
export interface ThreadState {
  values: unknown;
  next: string[];
  tasks: Json[];
  checkpoint: CheckpointRef | null;
  metadata: unknown;
  created_at: string | null;
  parent_checkpoint: CheckpointRef | null;
  interrupts: unknown[];
}

function isSnapshot(value: unknown): value is StateSnapshot {
  return value !== null && typeof value === "object" && "values" in value && "next" in value;
}

/** Converts a LangGraph.js StateSnapshot to the HTTP API's ThreadState, in wire JSON. */
export function snapshotToThreadState(snapshot: StateSnapshot): ThreadState {
  const tasks = snapshot.tasks.map((task) => {
    const state = task.state as { configurable?: unknown } | undefined;
    return {
      id: task.id,
      name: task.name,
      error: task.error === undefined || task.error === null ? null : errorPayload(task.error).message,
      interrupts: toWire(task.interrupts ?? []),
      path: toWire(task.path ?? null),
      checkpoint: state !== undefined && state !== null && typeof state === "object" && "configurable" in state ? (toWire(state.configurable) ?? null) : null,
      state: isSnapshot(task.state) ? snapshotToThreadState(task.state) : null,
      result: toWire(task.result ?? null),
    };
  });
  return {
    values: toWire(snapshot.values ?? {}),
    next: snapshot.next,
    tasks,
    checkpoint: checkpointRef(snapshot.config),
    metadata: toWire(snapshot.metadata ?? null),
    created_at: snapshot.createdAt ?? null,
    parent_checkpoint: checkpointRef(snapshot.parentConfig),
    interrupts: tasks.flatMap((task) => (Array.isArray(task.interrupts) ? task.interrupts : [])),
  };
}

function threadConfig(threadId: string, checkpoint?: Partial<CheckpointRef> | null): Json {
  return {
    configurable: {
      thread_id: threadId,
      ...(checkpoint?.checkpoint_ns !== undefined && checkpoint.checkpoint_ns !== null && { checkpoint_ns: checkpoint.checkpoint_ns }),
      ...(checkpoint?.checkpoint_id && { checkpoint_id: checkpoint.checkpoint_id }),
      ...(checkpoint?.checkpoint_map && { checkpoint_map: checkpoint.checkpoint_map }),
    },
  };
}

/** Which checkpoint to read: the latest when unset. */
export interface StateQuery {
  checkpoint?: Partial<CheckpointRef> | null;
  /** Include each task's subgraph state. */
  subgraphs?: boolean;
}

/** The thread's state at its latest checkpoint, or at the one asked for (`GET /threads/{id}/state[/{checkpoint_id}]`). */
export async function getThreadState(graph: LoadedGraph, threadId: string, query: StateQuery = {}): Promise<ThreadState> {
  const snapshot = await graph.getState(threadConfig(threadId, query.checkpoint), { subgraphs: query.subgraphs ?? false });
  return snapshotToThreadState(snapshot as StateSnapshot);
}

/** A page of a thread's history (`POST /threads/{id}/history`). */
export interface HistoryQuery {
  /** At most this many states, newest first; default 10. */
  limit?: number;
  /** Only checkpoints older than this one. */
  before?: Partial<CheckpointRef> | null;
  /** Only checkpoints whose metadata contains these key/values. */
  filter?: Json;
  /** The checkpoint (namespace) to list from. */
  checkpoint?: Partial<CheckpointRef> | null;
}

/** The thread's past states, newest first. */
export async function getThreadHistory(graph: LoadedGraph, threadId: string, query: HistoryQuery = {}): Promise<ThreadState[]> {
  const states: ThreadState[] = [];
  const history = graph.getStateHistory(threadConfig(threadId, query.checkpoint), {
    limit: query.limit ?? 10,
    ...(query.before?.checkpoint_id && { before: threadConfig(threadId, query.before) }),
    ...(query.filter && Object.keys(query.filter).length > 0 && { filter: query.filter }),
  });
  for await (const snapshot of history) states.push(snapshotToThreadState(snapshot as StateSnapshot));
  return states;
}

/** A state update (`POST /threads/{id}/state`). */
export interface StateUpdate {
  values: unknown;
  /** The node the update is written as; LangGraph picks it when unset. */
  asNode?: string;
  /** The checkpoint to fork from; the latest when unset. */
  checkpoint?: Partial<CheckpointRef> | null;
}

/** Writes values into the thread's state as a new checkpoint and answers it as LangGraph does (`{checkpoint}`). */
export async function updateThreadState(graph: LoadedGraph, threadId: string, update: StateUpdate): Promise<{ checkpoint: CheckpointRef | null }> {
  const config = await graph.updateState(threadConfig(threadId, update.checkpoint), update.values, update.asNode);
  return { checkpoint: checkpointRef(config) };
}

/**
 * The thread row's view of its latest checkpoint, as LangGraph servers keep
 * it: `values`, pending `interrupts` by task id, and `interrupted` while the
 * graph stopped before its next nodes (`error` when the run failed; `idle`
 * after a cancel, whose unfinished next nodes are not an interrupt).
 */
export async function threadAfterRun(graph: LoadedGraph, threadId: string, failed: boolean, cancelled = false): Promise<ThreadAfterRun> {
  const state = await getThreadState(graph, threadId);
  const interrupts = Object.fromEntries(
    state.tasks.filter((task) => Array.isArray(task.interrupts) && task.interrupts.length > 0).map((task) => [task.id, task.interrupts]),
  );
  return {
    status: failed ? "error" : state.next.length > 0 && !cancelled ? "interrupted" : "idle",
    valuesJson: JSON.stringify(state.values ?? {}),
    interruptsJson: JSON.stringify(interrupts),
  };
}
