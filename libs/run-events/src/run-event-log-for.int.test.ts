/**
 * The log the store and the worker share, chosen from their settings: Redis
 * Streams with a Redis URL, else Postgres on the given pool (its tables
 * created first). Two logs built from the same settings, as the two
 * processes build them, see each other's events.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRunEventLogFor } from "./run-event-log-for.js";
import type { RunEventLog } from "./run-event-log.js";
import { runEventsKey } from "./redis-run-event-log.js";

const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const redisUrl = process.env.REDIS_URL;

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function readAll(log: RunEventLog, runId: string) {
  const events = [];
  for await (const event of log.read(runId)) events.push({ event: event.event, data: event.data });
  return events;
}

describe("createRunEventLogFor", () => {
  const name = `run_events_for_${randomBytes(5).toString("hex")}`;
  let pool: pg.Pool;

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  }, 30_000);

  afterAll(async () => {
    await pool?.end();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
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
