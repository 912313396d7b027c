/**
 * The log the store and the worker share, chosen from their settings: Redis
 * Streams with a Redis URL, else Postgres on the given pool (its tables
 * created first). Two logs built from the same settings, as the two
 * processes build them, see each other's events.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { createThrowawayDatabase, type ThrowawayDatabase } from "@gatehouse/schema/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRunEventLogFor } from "./run-event-log-for.js";
import type { RunEventLog } from "./run-event-log.js";
import { runEventsKey } from "./redis-run-event-log.js";

const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const redisUrl = process.env.REDIS_URL;

async function readAll(log: RunEventLog, runId: string) {
  const events = [];
  for await (const event of log.read(runId)) events.push({ event: event.event, data: event.data });
  return events;
}

describe("createRunEventLogFor", () => {
  let database: ThrowawayDatabase | undefined;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createThrowawayDatabase(serverUrl, "run_events_for");
    pool = new pg.Pool({ connectionString: database.url, max: 4 });
  }, 30_000);

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it("without a Redis URL creates the Postgres log's tables and shares events between two logs on the database", async () => {
    const writer = await createRunEventLogFor({ redisUrl: undefined, pool, listen: false });
    const reader = await createRunEventLogFor({ redisUrl: undefined, pool, listen: true });
    try {
      const { rows } = await pool.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('run_events', 'run_event_streams')");
      expect(rows[0].n).toBe(2);
      const runId = randomUUID();
      await writer.append(runId, [{ event: "values", data: { n: 1 } }]);
      await writer.finish(runId);
      expect(await readAll(reader, runId)).toEqual([{ event: "values", data: { n: 1 } }]);
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });

  it.skipIf(!redisUrl)("with a Redis URL writes to Redis Streams, not Postgres", async () => {
    const writer = await createRunEventLogFor({ redisUrl, pool, listen: true });
    const reader = await createRunEventLogFor({ redisUrl, pool, listen: true });
    const redis = new Redis(redisUrl!);
    const runId = randomUUID();
    try {
      await writer.append(runId, [{ event: "values", data: { n: 2 } }]);
      await writer.finish(runId);
      expect(await readAll(reader, runId)).toEqual([{ event: "values", data: { n: 2 } }]);
      expect(await redis.exists(runEventsKey(runId))).toBe(1);
      const stored = await pool.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'run_events'");
      if (stored.rows.length > 0) expect((await pool.query("SELECT count(*)::int AS n FROM run_events WHERE run_id = $1", [runId])).rows[0].n).toBe(0);
    } finally {
      await redis.del(runEventsKey(runId));
      redis.disconnect();
      await Promise.all([writer.close(), reader.close()]);
    }
  });
});
