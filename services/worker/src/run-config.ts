import { Command, Send } from "@langchain/langgraph";
import { defaultAssistantId } from "@gatehouse/graphs";
import type pg from "pg";
import type { ClaimedRun } from "./run-queue.js";

/** The configurable keys only the store may set: who asked for the run. */
export const authConfigurableKeys = ["langgraph_auth_user", "langgraph_auth_user_id", "langgraph_auth_permissions"] as const;

type Json = Record<string, unknown>;

function object(value: unknown): Json {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}

/** The assistant a run names, resolved to its graph and stored config. */
export interface ResolvedAssistant {
  assistantId: string;
  graphId: string;
  config: Json;
  context: Json;
  metadata: Json;
}

/** A run's assistant is not a graph of gatehouse.json and no such assistant exists. */
export class UnknownAssistantError extends Error {
  override readonly name = "UnknownAssistantError";
}

/**
 * Resolves a run's `assistant_id` as LangGraph servers do: a graph id names
 * its system assistant (`defaultAssistantId`); an id is looked up in the
 * assistants table. When a graph's system assistant was never created, the
 * run uses the graph with an empty config.
 */
export async function resolveAssistant(db: pg.Pool, assistantIdOrGraph: string, graphIds: ReadonlySet<string>): Promise<ResolvedAssistant> {
  const assistantId = graphIds.has(assistantIdOrGraph) ? defaultAssistantId(assistantIdOrGraph) : assistantIdOrGraph;
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(assistantId);
  if (isUuid) {
    const { rows } = await db.query<{ graph_id: string; config: Json; context: Json; metadata: Json }>(
      "SELECT graph_id, config, context, metadata FROM assistants WHERE assistant_id = $1",
      [assistantId],
    );
    const row = rows[0];
    if (row !== undefined && graphIds.has(row.graph_id)) {
      return { assistantId, graphId: row.graph_id, config: row.config, context: row.context, metadata: row.metadata };
    }
    if (row !== undefined) throw new UnknownAssistantError(`assistant ${assistantId} runs graph "${row.graph_id}", which is not in gatehouse.json`);
  }
  const graphId = [...graphIds].find((id) => id === assistantIdOrGraph || defaultAssistantId(id) === assistantId);
  if (graphId === undefined) throw new UnknownAssistantError(`no assistant or graph "${assistantIdOrGraph}"`);
  return { assistantId, graphId, config: {}, context: {}, metadata: {} };
}

/** The LangGraph.js options a run executes with. */
export interface RunGraphOptions {
  configurable: Json;
  metadata: Json;
  tags: string[] | undefined;
  recursionLimit: number | undefined;
  context: Json | undefined;
  interruptBefore: string[] | "*" | undefined;
  interruptAfter: string[] | "*" | undefined;
  subgraphs: boolean;
  /** When checkpoints are written: `sync`, `async` (LangGraph's default) or `exit`. */
  durability: "sync" | "async" | "exit" | undefined;
}

function nodeList(value: unknown): string[] | "*" | undefined {
  if (value === "*") return "*";
  return Array.isArray(value) ? value.filter((node): node is string => typeof node === "string") : undefined;
}

/**
 * The config a run executes with, built as LangGraph servers build it: the
 * assistant's `configurable` under the run's, then the ids the server sets
 * (`thread_id`, `run_id`, `assistant_id`, `graph_id`, the checkpoint to start
 * from). The `langgraph_auth_*` keys come only from the run's kwargs, where
 * the store wrote them over anything the client sent; an assistant's config
 * cannot supply them.
 */
export function runGraphOptions(run: ClaimedRun, assistant: ResolvedAssistant): RunGraphOptions {
  const kwargs = run.kwargs;
  const runConfig = object(kwargs.config);
  const assistantConfig = object(assistant.config);
  const assistantConfigurable = { ...object(assistantConfig.configurable) };
  for (const key of authConfigurableKeys) delete assistantConfigurable[key];
  const checkpoint = object(kwargs.checkpoint);
  const checkpointId = typeof kwargs.checkpoint_id === "string" ? kwargs.checkpoint_id : checkpoint.checkpoint_id;
  const configurable: Json = {
    ...assistantConfigurable,
    ...object(runConfig.configurable),
    ...(typeof checkpointId === "string" && { checkpoint_id: checkpointId }),
    ...(typeof checkpoint.checkpoint_ns === "string" && { checkpoint_ns: checkpoint.checkpoint_ns }),
    ...(checkpoint.checkpoint_map !== undefined && { checkpoint_map: checkpoint.checkpoint_map }),
    thread_id: run.threadId,
    run_id: run.runId,
    assistant_id: assistant.assistantId,
    graph_id: assistant.graphId,
  };
  const tags = [...(Array.isArray(assistantConfig.tags) ? assistantConfig.tags : []), ...(Array.isArray(runConfig.tags) ? runConfig.tags : [])];
  const recursionLimit = runConfig.recursion_limit ?? assistantConfig.recursion_limit;
  const context = { ...object(assistant.context), ...object(kwargs.context) };
  return {
    configurable,
    metadata: {
      ...object(assistantConfig.metadata),
      ...object(runConfig.metadata),
      run_id: run.runId,
      thread_id: run.threadId,
      assistant_id: assistant.assistantId,
      graph_id: assistant.graphId,
      run_attempt: run.attempt,
    },
    tags: tags.length > 0 ? tags.filter((tag): tag is string => typeof tag === "string") : undefined,
    recursionLimit: typeof recursionLimit === "number" ? recursionLimit : undefined,
    context: Object.keys(context).length > 0 ? context : undefined,
    interruptBefore: nodeList(kwargs.interrupt_before),
    interruptAfter: nodeList(kwargs.interrupt_after),
    subgraphs: kwargs.stream_subgraphs === true || kwargs.subgraphs === true,
    durability: kwargs.durability === "sync" || kwargs.durability === "async" || kwargs.durability === "exit" ? kwargs.durability : undefined,
  };
}

function gotoTarget(value: unknown): string | Send {
  if (typeof value === "string") return value;
  const send = object(value);
  if (typeof send.node === "string") return new Send(send.node, send.input);
  throw new TypeError("command.goto must name nodes, or be {node, input} sends");
}

/**
 * The graph input of a run: a `Command` built from `kwargs.command`
 * (`resume`, `update`, `goto`) for human-in-the-loop, else `kwargs.input`
 * (null continues from the checkpoint).
 */
export function runInput(kwargs: Record<string, unknown>): unknown {
  const command = kwargs.command;
  if (command !== undefined && command !== null) {
    const fields = object(command);
    const goto = fields.goto === undefined || fields.goto === null ? undefined : Array.isArray(fields.goto) ? fields.goto.map(gotoTarget) : gotoTarget(fields.goto);
    return new Command({
      ...(fields.resume !== undefined && { resume: fields.resume }),
      ...(fields.update !== undefined && fields.update !== null && { update: fields.update as Json }),
      ...(goto !== undefined && { goto }),
    });
  }
  return kwargs.input ?? null;
}

/** The stream modes a run asked for, LangGraph's default (`values`) when none. */
export function requestedStreamModes(kwargs: Record<string, unknown>): string[] {
  const mode = kwargs.stream_mode;
  const modes = typeof mode === "string" ? [mode] : Array.isArray(mode) ? mode.filter((m): m is string => typeof m === "string") : [];
  return modes.length > 0 ? [...new Set(modes)] : ["values"];
}
