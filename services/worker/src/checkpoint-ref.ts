type Json = Record<string, unknown>;

/** A checkpoint as LangGraph's HTTP API names it. */
export interface CheckpointRef {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  checkpoint_map: Json | null;
}

/** The checkpoint a LangGraph.js config points at, or null when it names none. */
export function checkpointRef(config: unknown): CheckpointRef | null {
  const configurable = (config as { configurable?: Json } | null | undefined)?.configurable;
  if (configurable === undefined || configurable === null) return null;
  const { thread_id: threadId, checkpoint_id: checkpointId, checkpoint_ns: ns, checkpoint_map: map } = configurable;
  if (typeof threadId !== "string" || typeof checkpointId !== "string") return null;
  return {
    thread_id: threadId,
    checkpoint_ns: typeof ns === "string" ? ns : "",
    checkpoint_id: checkpointId,
    checkpoint_map: map !== null && typeof map === "object" ? (map as Json) : null,
  };
}

/** A config without LangGraph's internal (`__`-prefixed) configurable keys and callbacks, fit to send to clients. */
export function publicConfig(config: unknown): unknown {
  if (config === null || typeof config !== "object") return config ?? null;
  const { callbacks: _callbacks, configurable, ...rest } = config as Json;
  if (configurable === null || typeof configurable !== "object") return rest;
  return { ...rest, configurable: Object.fromEntries(Object.entries(configurable as Json).filter(([key]) => !key.startsWith("__"))) };
}
