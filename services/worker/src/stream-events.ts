import type { BaseMessageChunk } from "@langchain/core/messages";
import type { NewRunEvent, RunEventLog } from "@gatehouse/run-events";
import { checkpointRef, publicConfig } from "./checkpoint-ref.js";
import type { RunGraphOptions } from "./run-config.js";
import { toWire } from "./wire-json.js";

type Json = Record<string, unknown>;

/** The part of a compiled LangGraph.js graph that streams a run's events. */
export interface EventStreamingGraph {
  streamEvents(input: unknown, options: Json): AsyncIterable<StreamEvent>;
}

/** One callback event of `streamEvents` (version v2). */
interface StreamEvent {
  event: string;
  run_id: string;
  name?: string;
  tags?: string[];
  metadata?: Json;
  data: { chunk?: unknown } & Json;
}

/** What to stream a run with. */
export interface RunStreamOptions {
  runId: string;
  attempt: number;
  /** The stream modes the run asked for (`values` when it asked for none). */
  modes: readonly string[];
  graphOptions: RunGraphOptions;
  signal: AbortSignal;
}

// Which LangGraph.js stream modes serve the requested server modes: `events`
// come from the callback events themselves, `messages-tuple` is the library's
// `messages` mode, and the legacy `messages` mode is rebuilt from `values`
// (whole messages) and chat-model token callbacks (partial ones).
function libraryModes(modes: readonly string[]): string[] {
  const library = new Set(modes.filter((mode) => mode !== "events" && mode !== "messages-tuple" && mode !== "messages"));
  if (modes.includes("messages-tuple")) library.add("messages");
  if (modes.includes("messages")) library.add("values");
  if (library.size === 0) library.add("values");
  return [...library];
}

// A debug chunk as LangGraph servers send it: checkpoints also carry
// `checkpoint` / `parent_checkpoint` refs, configs in snake case without
// internal keys; a task's state config becomes its `checkpoint`.
function debugPayload(chunk: unknown): unknown {
  const debug = chunk as { type?: string; payload?: Json } | null;
  if (debug === null || typeof debug !== "object" || debug.payload === undefined) return chunk;
  const task = (value: Json): Json => {
    const state = value.state as { configurable?: unknown } | undefined;
    if (state === undefined || state === null || typeof state !== "object" || !("configurable" in state)) return value;
    const { state: _state, ...rest } = value;
    return { ...rest, checkpoint: state.configurable ?? null };
  };
  if (debug.type === "checkpoint") {
    const { parentConfig, config, tasks, ...rest } = debug.payload;
    return {
      ...debug,
      payload: {
        ...rest,
        config: publicConfig(config),
        parent_config: publicConfig(parentConfig),
        checkpoint: checkpointRef(config),
        parent_checkpoint: checkpointRef(parentConfig),
        tasks: Array.isArray(tasks) ? tasks.map((t) => task(t as Json)) : tasks,
      },
    };
  }
  if (debug.type === "task_result") return { ...debug, payload: task(debug.payload) };
  return chunk;
}

/**
 * Executes the graph and yields exactly the SSE events a LangGraph server
 * sends for the run's stream modes: `metadata` first, then `values`,
 * `updates`, `messages` (tuples, for `messages-tuple`), the legacy
 * `messages/metadata`, `messages/partial` and `messages/complete`, `events`,
 * `custom`, `debug`, each suffixed `|<namespace>` for a subgraph's events when
 * the run streams subgraphs. Data is already wire JSON. Errors propagate; the
 * caller turns them into the `error` event.
 */
export async function* runStreamEvents(graph: EventStreamingGraph, input: unknown, options: RunStreamOptions): AsyncGenerator<NewRunEvent> {
  const { modes, graphOptions: config } = options;
  yield { event: "metadata", data: { run_id: options.runId, attempt: options.attempt } };
  const events = graph.streamEvents(input, {
    version: "v2",
    configurable: config.configurable,
    metadata: config.metadata,
    ...(config.tags && { tags: config.tags }),
    ...(config.recursionLimit !== undefined && { recursionLimit: config.recursionLimit }),
    ...(config.context !== undefined && { context: config.context }),
    ...(config.interruptBefore !== undefined && { interruptBefore: config.interruptBefore }),
    ...(config.interruptAfter !== undefined && { interruptAfter: config.interruptAfter }),
    ...(config.durability !== undefined && { durability: config.durability }),
    subgraphs: config.subgraphs,
    streamMode: libraryModes(modes),
    runId: options.runId,
    signal: options.signal,
  });
  const legacyMessages = modes.includes("messages");
  const partial = new Map<string, BaseMessageChunk>();
  const completed = new Set<string>();
  for await (const event of events) {
    if (event.tags?.includes("langsmith:hidden")) continue;
    const graphChunk = event.event === "on_chain_stream" && (config.subgraphs || event.run_id === options.runId);
    if (graphChunk) {
      const [namespace, mode, chunk] = (config.subgraphs ? event.data.chunk : [null, ...(event.data.chunk as unknown[])]) as [string[] | null, string, unknown];
      const suffix = config.subgraphs && namespace && namespace.length > 0 ? `|${namespace.join("|")}` : "";
      if (mode === "messages") {
        if (modes.includes("messages-tuple")) yield { event: `messages${suffix}`, data: toWire(chunk) };
      } else if (modes.includes(mode)) {
        yield { event: `${mode}${suffix}`, data: toWire(mode === "debug" ? debugPayload(chunk) : chunk) };
      }
      if (legacyMessages && mode === "values") {
        const fresh = newMessages(chunk, completed);
        if (fresh.length > 0) yield { event: "messages/complete", data: toWire(fresh) };
      }
    } else if (modes.includes("events")) {
      yield { event: "events", data: toWire(event) };
    }
    if (legacyMessages && event.event === "on_chat_model_stream" && !event.tags?.includes("nostream")) {
      const token = event.data.chunk as BaseMessageChunk | undefined;
      if (token?.id === undefined) continue;
      const sofar = partial.get(token.id);
      if (sofar === undefined) {
        partial.set(token.id, token);
        yield { event: "messages/metadata", data: toWire({ [token.id]: { metadata: event.metadata ?? {} } }) };
      } else {
        partial.set(token.id, sofar.concat(token));
      }
      yield { event: "messages/partial", data: toWire([partial.get(token.id)]) };
    }
  }
}

// The messages of a values chunk not yet sent complete, each once by id.
function newMessages(values: unknown, completed: Set<string>): unknown[] {
  if (values === null || typeof values !== "object" || !("messages" in values)) return [];
  const raw = (values as { messages: unknown }).messages;
  const fresh: unknown[] = [];
  for (const message of Array.isArray(raw) ? raw : [raw]) {
    const id = (message as { id?: unknown } | null)?.id;
    if (typeof id !== "string" || completed.has(id)) continue;
    completed.add(id);
    fresh.push(message);
  }
  return fresh;
}

/** Appends a run's events to the log in batches: what accumulates within one tick goes in one append, in order. */
export interface EventPublisher {
  publish(event: NewRunEvent): void;
  /** Resolves once everything published so far is appended (or failed to be). */
  flush(): Promise<void>;
}

/**
 * Creates the batching publisher of one run's events. A failed append is
 * reported to `onError` and its events are dropped: the run's outcome lives
 * in Postgres, and a log outage must not make the run execute again.
 */
export function createEventPublisher(log: RunEventLog, runId: string, onError: (error: unknown) => void): EventPublisher {
  let pending: NewRunEvent[] = [];
  let chain: Promise<void> = Promise.resolve();
  let scheduled = false;
  const drain = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    chain = chain.then(() => log.append(runId, batch)).catch(onError);
  };
  return {
    publish(event) {
      pending.push(event);
      if (!scheduled) {
        scheduled = true;
        setImmediate(drain);
      }
    },
    async flush() {
      drain();
      await chain;
    },
  };
}
