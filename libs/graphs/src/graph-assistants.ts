import { createHash } from "node:crypto";

// The namespace LangGraph servers derive default assistant ids from (RFC 4122's
// URL namespace): graph "agent" has assistant fe096781-5601-53d2-b2f6-0d3403f7e9ca
// there, as the tutorial's example value shows.
const graphNamespace = "6ba7b821-9dad-11d1-80b4-00c04fd430c8";

/** RFC 4122 version 5 (SHA-1, name-based) UUID of `name` in `namespace`. */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash("sha1")
    .update(Buffer.from(namespace.replaceAll("-", ""), "hex"))
    .update(name, "utf8")
    .digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The id LangGraph gives the default assistant of a graph. */
export function defaultAssistantId(graphId: string): string {
  return uuidV5(graphId, graphNamespace);
}

/**
 * The assistant id a path names. A graph id declared in gatehouse.json names
 * that graph's default assistant, as on LangGraph servers, so
 * `client.assistants.get("agent")` asks the store for the same id a LangGraph
 * server would use; any other value is passed on as given (the store answers
 * INVALID_ARGUMENT for what is not a UUID). Gatehouse creates no assistant
 * implicitly: until one is created with that id, the answer is 404.
 */
export function resolveAssistantId(idOrGraph: string, graphs: ReadonlySet<string>): string {
  return graphs.has(idOrGraph) ? defaultAssistantId(idOrGraph) : idOrGraph;
}
