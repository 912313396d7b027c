/**
 * The Postgres log against a real Postgres server (a throwaway database of
 * this file's own) and against the embedded PGlite database reached over
 * its wire-protocol socket, the same pg code path the embedded topology uses.
 */
import { randomUUID } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import pg from "pg";
import { createThrowawayDatabase, type ThrowawayDatabase } from "@gatehouse/schema/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresRunEventLog } from "./postgres-run-event-log.js";
import { describeRunEventLogConformance } from "./run-event-log.conformance.js";
import { ensureRunEventTables } from "./run-event-tables.js";

const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Connections a pool has handed out and not yet taken back. */
const checkedOut = (pool: pg.Pool) => pool.totalCount - pool.idleCount;

describe("createPostgresRunEventLog on a real Postgres", () => {
  let database: ThrowawayDatabase | undefined;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createThrowawayDatabase(serverUrl, "run_events");
    pool = new pg.Pool({ connectionString: database.url, max: 10, idleTimeoutMillis: 0 }); // no idle timers: the suite counts timers
    await Promise.all([ensureRunEventTables(pool), ensureRunEventTables(pool), ensureRunEventTables(pool)]);
  }, 30_000);
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  describeRunEventLogConformance("the Postgres log", {
    create: (bounds) => createPostgresRunEventLog({ pool, janitorIntervalMs: 100, ...bounds }),
    sharedAcrossInstances: true,
    connections: async () => checkedOut(pool),
    trimSlack: 0,
    expirySlackMs: 300,
  });

  it("wakes a waiting reader through LISTEN well before its next poll", async () => {
    const log = createPostgresRunEventLog({ pool, notifiedPollMs: 10_000 });
    const runId = randomUUID();
    const warm = new AbortController();
    const warming = (async () => {
      for await (const _ of log.read(randomUUID(), { signal: warm.signal })) void _;
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const reading = (async () => {
      const seen: unknown[] = [];
      for await (const event of log.read(runId)) seen.push(event.data);
      return seen;
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const appended = Date.now();
    await log.append(runId, [{ event: "values", data: "now" }]);
    await log.finish(runId);
    expect(await reading).toEqual(["now"]);
    expect(Date.now() - appended).toBeLessThan(2_000);
    warm.abort();
    await warming;
    await log.close();
  });

  it("deletes the events of a run nobody finished once abandonedTtlMs has passed since its last append", async () => {
    const log = createPostgresRunEventLog({ pool, abandonedTtlMs: 200, janitorIntervalMs: 50 });
    const runId = randomUUID();
    await log.append(runId, [{ event: "values", data: 1 }]);
    await expect
      .poll(async () => (await pool.query("SELECT count(*)::int AS n FROM run_events WHERE run_id = $1", [runId])).rows[0].n, { timeout: 3_000 })
      .toBe(0);
    expect((await pool.query("SELECT 1 FROM run_event_streams WHERE run_id = $1", [runId])).rowCount).toBe(0);
    await log.close();
  });

  it("refuses a run id that is not a UUID before it reaches the database", async () => {
    const log = createPostgresRunEventLog({ pool });
    await expect(log.append("1'; DROP TABLE run_events; --", [{ event: "values", data: 1 }])).rejects.toThrow(/runId must be a UUID/);
    expect((await pool.query("SELECT to_regclass('run_events') IS NOT NULL AS present")).rows[0].present).toBe(true);
    await log.close();
  });
});

describe("createPostgresRunEventLog on the embedded PGlite database", () => {
  let db: PGlite;
  let server: PGLiteSocketServer;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = new PGlite();
    await db.waitReady;
    server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0 });
    await server.start();
    pool = new pg.Pool({ connectionString: `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`, max: 1, idleTimeoutMillis: 0 });
    await ensureRunEventTables(pool);
  }, 60_000); // PGlite compiles its WebAssembly first, slowly on a busy machine
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
    await db?.close();
  });

  describeRunEventLogConformance("the Postgres log on PGlite", {
    create: (bounds) => createPostgresRunEventLog({ pool, listen: false, janitorIntervalMs: 100, ...bounds }),
    sharedAcrossInstances: true,
    connections: async () => checkedOut(pool),
    trimSlack: 0,
    expirySlackMs: 300,
  });
});
