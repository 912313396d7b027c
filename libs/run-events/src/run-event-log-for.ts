import type pg from "pg";
import { createPostgresRunEventLog } from "./postgres-run-event-log.js";
import { createRedisRunEventLog } from "./redis-run-event-log.js";
import type { RunEventLog } from "./run-event-log.js";
import { ensureRunEventTables } from "./run-event-tables.js";

/** Where a process's run event log lives; the store and the worker pass the same settings. */
export interface RunEventLogSettings {
  /** REDIS_URL: when set, run events go to Redis Streams on it. */
  redisUrl: string | undefined;
  /** The store's database, which holds the events when there is no Redis. */
  pool: pg.Pool;
  /** Whether Postgres readers LISTEN for appends; false on the embedded database (WORKER_LISTEN=0). */
  listen: boolean;
}

/**
 * The one run event log the store and the worker share: Redis Streams when
 * a Redis URL is given, else the Postgres log on the store's database (its
 * tables created first, idempotently). Both processes must be given the
 * same settings, or the worker writes where the store never reads.
 */
export async function createRunEventLogFor(settings: RunEventLogSettings): Promise<RunEventLog> {
  if (settings.redisUrl !== undefined) return createRedisRunEventLog({ url: settings.redisUrl });
  await ensureRunEventTables(settings.pool);
  return createPostgresRunEventLog({ pool: settings.pool, listen: settings.listen });
}
