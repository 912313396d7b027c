/**
 * The graphs gatehouse.json names: loading them (a compiled LangGraph.js
 * graph or a factory of one) and the ids of their system assistants.
 */
export { loadGraph, loadGraphs, parseGraphSpec, GraphLoadError, type GraphSpec, type LoadedGraph } from "./load-graphs.js";
export { defaultAssistantId, resolveAssistantId, uuidV5 } from "./graph-assistants.js";
