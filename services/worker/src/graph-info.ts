import type { LoadedGraph } from "@gatehouse/graphs";
import { toWire } from "./wire-json.js";

type Json = Record<string, unknown>;

/** The graph's drawable structure as LangGraph's `GET /assistants/{id}/graph` answers it: `{nodes, edges}`. */
export async function getGraphStructure(graph: LoadedGraph, xray: boolean | number): Promise<unknown> {
  const drawable = graph.getGraphAsync ? await graph.getGraphAsync({ xray }) : graph.getGraph?.({ xray });
  const json = (drawable as { toJSON?: () => unknown } | undefined)?.toJSON?.();
  if (json === undefined) throw new Error("the graph cannot be drawn");
  return toWire(json);
}

// The channels a compiled graph exposes as its state: LangGraph's internal
// channels (`__…`) and branch channels (`branch:…`) are not part of it.
function stateChannels(graph: LoadedGraph): string[] {
  const channels = (graph as unknown as { channels?: Json }).channels ?? {};
  return Object.keys(channels).filter((name) => !name.startsWith("__") && !name.includes(":"));
}

function keysOf(value: unknown): string[] | undefined {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((key): key is string => typeof key === "string") : undefined;
}

function objectSchema(title: string, keys: readonly string[]): Json {
  return { title, type: "object", properties: Object.fromEntries(keys.map((key) => [key, {}])) };
}

/**
 * The graph's schemas as `GET /assistants/{id}/schemas` answers them:
 * `graph_id`, `input_schema`, `output_schema`, `state_schema`,
 * `config_schema`, `context_schema`. Gatehouse derives them from the
 * compiled graph's channels (each key's own type is not recoverable at run
 * time), so properties name the state keys with open schemas.
 */
export function getGraphSchemas(graphId: string, graph: LoadedGraph): Json {
  const state = stateChannels(graph);
  const pregel = graph as unknown as { inputChannels?: unknown; outputChannels?: unknown };
  const input = keysOf(pregel.inputChannels)?.filter((key) => state.includes(key)) ?? state;
  const output = keysOf(pregel.outputChannels)?.filter((key) => state.includes(key)) ?? state;
  return {
    graph_id: graphId,
    input_schema: objectSchema("Input", input.length > 0 ? input : state),
    output_schema: objectSchema("Output", output),
    state_schema: objectSchema("State", state),
    config_schema: { title: "Configurable", type: "object", properties: {} },
    context_schema: null,
  };
}

/** The graph's subgraphs by namespace, each with its schemas (`GET /assistants/{id}/subgraphs[/{namespace}]`). */
export async function getSubgraphSchemas(graph: LoadedGraph, namespace: string | undefined, recurse: boolean): Promise<Json> {
  const result: Json = {};
  if (!graph.getSubgraphsAsync) return result;
  for await (const [name, subgraph] of graph.getSubgraphsAsync(namespace, recurse)) {
    result[name] = getGraphSchemas(name, subgraph as LoadedGraph);
  }
  return result;
}
