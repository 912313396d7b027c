import { pathToFileURL } from "node:url";
import { dirname, resolve } from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";

/**
 * A compiled LangGraph.js graph as Gatehouse uses it: run, streamed and
 * inspected through the Pregel API. Kept structural so any version of
 * `@langchain/langgraph` the operator compiled with is accepted.
 */
export interface LoadedGraph {
  checkpointer?: BaseCheckpointSaver | boolean | undefined;
  invoke(input: unknown, config?: unknown): Promise<unknown>;
  stream(input: unknown, config?: unknown): Promise<AsyncIterable<unknown>>;
  getState(config: unknown, options?: unknown): Promise<unknown>;
  getStateHistory(config: unknown, options?: unknown): AsyncIterable<unknown>;
  updateState(config: unknown, values: unknown, asNode?: string): Promise<unknown>;
  getGraphAsync?(config?: unknown): Promise<unknown>;
  getGraph?(config?: unknown): unknown;
  getSubgraphsAsync?(namespace?: string, recurse?: boolean): AsyncIterable<[string, unknown]>;
}

/** A graph named in gatehouse.json that could not be loaded; start-up stops with this message. */
export class GraphLoadError extends Error {
  override readonly name = "GraphLoadError";
}

/** Where a graph comes from: `./path/to/file.ts:exportName`, relative to the config file. */
export interface GraphSpec {
  file: string;
  exportName: string;
}

/** Splits `./file.ts:export` (the form langgraph.json uses) into an absolute file and an export name. */
export function parseGraphSpec(configPath: string, graphId: string, spec: string): GraphSpec {
  const separator = spec.lastIndexOf(":");
  if (typeof spec !== "string" || separator <= 1 || separator === spec.length - 1) {
    throw new GraphLoadError(`graph "${graphId}": "${spec}" must name a file and an export, such as "./graph.ts:graph"`);
  }
  return { file: resolve(dirname(configPath), spec.slice(0, separator)), exportName: spec.slice(separator + 1) };
}

function isCompiledGraph(value: unknown): value is LoadedGraph {
  if (value === null || typeof value !== "object") return false;
  const graph = value as Record<string, unknown>;
  return typeof graph.invoke === "function" && typeof graph.stream === "function" && typeof graph.getState === "function";
}

/**
 * Imports one graph: the export may be a compiled graph, or a function
 * (sync or async) that returns one, as langgraph.json allows. The graph gets
 * `checkpointer`, so its state persists where every worker and the store can
 * read it. A module that fails to import, lacks the export, or exports
 * something else stops start-up with a message naming the graph, file and
 * export.
 */
export async function loadGraph(graphId: string, spec: GraphSpec, checkpointer: BaseCheckpointSaver): Promise<LoadedGraph> {
  const where = `graph "${graphId}" (${spec.file}, export "${spec.exportName}")`;
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(spec.file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new GraphLoadError(`cannot load ${where}: ${(error as Error).message}`);
  }
  if (!(spec.exportName in module)) {
    throw new GraphLoadError(`${where}: no such export (exports: ${Object.keys(module).join(", ") || "none"})`);
  }
  let graph = module[spec.exportName];
  if (typeof graph === "function") {
    try {
      graph = await (graph as () => unknown)();
    } catch (error) {
      throw new GraphLoadError(`${where}: the factory threw: ${(error as Error).message}`);
    }
  }
  if (!isCompiledGraph(graph)) {
    throw new GraphLoadError(`${where} is not a compiled LangGraph graph (call .compile() on the StateGraph)`);
  }
  graph.checkpointer = checkpointer;
  return graph;
}

/** Loads every graph of gatehouse.json's `graphs` map, keyed by graph id. */
export async function loadGraphs(
  configPath: string,
  graphs: Record<string, string>,
  checkpointer: BaseCheckpointSaver,
): Promise<Map<string, LoadedGraph>> {
  const loaded = new Map<string, LoadedGraph>();
  for (const [graphId, spec] of Object.entries(graphs)) {
    loaded.set(graphId, await loadGraph(graphId, parseGraphSpec(configPath, graphId, spec), checkpointer));
  }
  return loaded;
}
