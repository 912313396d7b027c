/**
 * Run event streams: what a worker publishes while it executes a run, and
 * what the store relays to clients that stream, join or resume it. Three
 * interchangeable logs behind one interface: Redis Streams (replicas share
 * it), Postgres (deployments without Redis, the embedded PGlite database
 * included) and memory (one process); the SSE encoding LangGraph clients
 * expect; and reading the `Last-Event-ID` a client resumes with.
 */
export type { RunEvent, NewRunEvent, ReadRunEventsOptions, RunEventLog } from "./run-event-log.js";
export { defaultRunEventLogBounds, type RunEventLogBounds } from "./run-event-log-options.js";
export { RunStreamFinishedError, InvalidRunEventIdError } from "./run-event-errors.js";
export { createMemoryRunEventLog, type MemoryRunEventLogOptions } from "./memory-run-event-log.js";
export { createRedisRunEventLog, runEventsKey, type RedisRunEventLogOptions } from "./redis-run-event-log.js";
export { createPostgresRunEventLog, type PostgresRunEventLogOptions } from "./postgres-run-event-log.js";
export { ensureRunEventTables, runEventTablesDdl } from "./run-event-tables.js";
export { createRunEventLogFor, type RunEventLogSettings } from "./run-event-log-for.js";
export { formatSseEvent, formatSseFrame, formatSseComment, createSseParser, parseSse, type SseEventInit, type SseMessage, type SseParser } from "./sse.js";
export { lastEventIdFrom, type RequestHeaders } from "./last-event-id.js";
