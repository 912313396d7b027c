import type { RunEventLog } from "@gatehouse/run-events";
import type { Logger } from "@gatehouse/server";
import { createInMemoryRunEventLog } from "./testing/in-memory-run-event-log.js";

/**
 * The run event log the worker publishes to. Until `@gatehouse/run-events`
 * ships its Redis and Postgres logs, events stay in this process's memory for
 * a minute after their run ends: runs execute and their state is kept, but no
 * other process can read their events. This is the one place to swap in the
 * shared log.
 */
export function runEventLogFromEnv(redisUrl: string | undefined, logger: Logger): RunEventLog {
  logger.warn({ redis: redisUrl !== undefined }, "run events stay in this process until the shared run event log is wired in");
  return createInMemoryRunEventLog({ expireAfterMs: 60_000 });
}
