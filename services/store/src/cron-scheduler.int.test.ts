/**
 * The cron scheduler's claim on real Postgres: two schedulers on one
 * database fire each due time once; a missed window fires once; end_time,
 * deletes, denies, hidden threads and an unreachable authz are honoured.
 * Authz answers in memory (the claim is what is under test); the guard
 * that turns its decisions into an Access is the real one.
 */
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { DecisionSchema, Effect, type AuthorizeRequest, type Decision } from "@gatehouse/contracts";
import { filterToProto, parseFilter, type JsonObject } from "@gatehouse/filters";
import { createLogger } from "@gatehouse/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createStoredUserGuard } from "./authorization.js";
import { createCronScheduler, type CronScheduler } from "./cron-scheduler.js";
import { openDatabase, type Database } from "./sql/database.js";
import { createMigratedDatabase, type MigratedDatabase } from "./testing/migrated-database.js";

const serverUrl = process.env.DATABASE_URL;

type Policy = (request: AuthorizeRequest) => Decision | "unavailable";
const allowOwnThreads: Policy = (request) =>
  create(DecisionSchema, { effect: Effect.ALLOW, filter: filterToProto(parseFilter({ owner: request.user!.identity })) });

const alice = { identity: "alice", display_name: "Alice", is_authenticated: true, permissions: ["chat"] };
const bob = { identity: "bob", display_name: "Bob", is_authenticated: true, permissions: [] };

describe.skipIf(!serverUrl)("cron scheduler on real Postgres", () => {
  let database: MigratedDatabase;
  const pools: Database[] = [];
  let db: Database;
  let policy: Policy = allowOwnThreads;
  const asked: AuthorizeRequest[] = [];

  function scheduler(): CronScheduler {
    const pool = openDatabase(database.url, 2);
    pools.push(pool);
    return createCronScheduler({
      db: pool,
      guard: createStoredUserGuard({
        authz: {
          async authorize(request) {
            asked.push(request as AuthorizeRequest);
            const answer = policy(request as AuthorizeRequest);
            if (answer === "unavailable") throw new ConnectError("authz is down", Code.Unavailable);
            return answer;
          },
        },
        logger: createLogger("cron-scheduler-test"),
        callTimeoutMs: 1_000,
      }),
      logger: createLogger("cron-scheduler-test"),
      intervalMs: 20,
    });
  }

  async function thread(owner: string): Promise<string> {
    const threadId = randomUUID();
    await db.query("INSERT INTO threads (thread_id, metadata) VALUES ($1, $2)", [threadId, JSON.stringify({ owner })]);
    return threadId;
  }

  async function cron(fields: { threadId?: string; schedule: string; owner?: object; due: string; endTime?: string; payload?: JsonObject; metadata?: JsonObject }) {
    const cronId = randomUUID();
    await db.query(
      `INSERT INTO crons (cron_id, thread_id, assistant_id, schedule, payload, metadata, end_time, owner, next_run_date)
       VALUES ($1, $2, 'agent', $3, $4, $5, now() + $6::interval, $7, now() + $8::interval)`,
      [
        cronId,
        fields.threadId ?? null,
        fields.schedule,
        JSON.stringify(fields.payload ?? { input: { text: "hi" } }),
        JSON.stringify(fields.metadata ?? { owner: "alice" }),
        fields.endTime ?? null,
        JSON.stringify(fields.owner ?? alice),
        fields.due,
      ],
    );
    return cronId;
  }

  const runsOf = async (threadId: string) =>
    (await db.query<{ run_id: string; kwargs: JsonObject; metadata: JsonObject; created_at: Date }>("SELECT * FROM runs WHERE thread_id = $1 ORDER BY created_at", [threadId])).rows;
  const nextRunOf = async (cronId: string) =>
    (await db.query<{ next_run_date: Date | null; now: Date }>("SELECT next_run_date, now() AS now FROM crons WHERE cron_id = $1", [cronId])).rows[0]!;

  beforeAll(async () => {
    database = await createMigratedDatabase(serverUrl!, "gatehouse_cron_scheduler", 4);
    db = database.db;
  });

  beforeEach(async () => {
    policy = allowOwnThreads;
    asked.length = 0;
    // Each test sees only its own crons.
    await db.query("DELETE FROM crons");
  });

  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await database?.drop();
  });

  it("two schedulers racing on one database fire each of many due crons once", async () => {
    const threads = await Promise.all(Array.from({ length: 30 }, () => thread("alice")));
    await Promise.all(threads.map((threadId) => cron({ threadId, schedule: "0 0 1 1 *", due: "-1 second" })));
    const [a, b] = [scheduler(), scheduler()];
    const fired = await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
    expect(fired.reduce((sum, n) => sum + n, 0)).toBe(30);
    for (const threadId of threads) expect(await runsOf(threadId)).toHaveLength(1);
  });

  it("two schedulers ticking every 20 ms fire a cron due every second once per due time", async () => {
    const threadId = await thread("alice");
    const cronId = await cron({ threadId, schedule: "* * * * * *", due: "0 seconds" });
    const schedulers = [scheduler(), scheduler()];
    const { rows } = await db.query<{ now: Date }>("SELECT now() AS now");
    const start = rows[0]!.now;
    schedulers.forEach((s) => s.start());
    await new Promise((resolve) => setTimeout(resolve, 3_300));
    await Promise.all(schedulers.map((s) => s.stop()));
    const runs = await runsOf(threadId);
    const seconds = runs.map((run) => Math.floor(run.created_at.getTime() / 1000));
    // One run per second bucket: never two for one due time.
    expect(new Set(seconds).size).toBe(seconds.length);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.length).toBeLessThanOrEqual(5);
    expect((await nextRunOf(cronId)).next_run_date!.getTime()).toBeGreaterThan(start.getTime());
  });

  it("a window missed for many due times fires once, and the next firing is after now", async () => {
    const threadId = await thread("alice");
    // Every ten minutes, last due half an hour ago: three due times missed, and none due again while the test runs.
    const cronId = await cron({ threadId, schedule: "*/10 * * * *", due: "-30 minutes" });
    const s = scheduler();
    expect(await s.tick()).toBe(1);
    expect(await s.tick()).toBe(0);
    expect(await runsOf(threadId)).toHaveLength(1);
    const { next_run_date, now } = await nextRunOf(cronId);
    expect(next_run_date!.getTime()).toBeGreaterThan(now.getTime() - 1_000);
  });

  it("the run carries the cron's metadata, its payload and the owner's langgraph_auth keys", async () => {
    const threadId = await thread("alice");
    await cron({
      threadId,
      schedule: "0 0 1 1 *",
      due: "-1 second",
      payload: { input: { text: "ping" }, config: { configurable: { langgraph_auth_user_id: "mallory", model: "m" } }, webhook: "http://x" },
      metadata: { owner: "alice", kind: "report" },
    });
    await scheduler().tick();
    const [run] = await runsOf(threadId);
    expect(run!.metadata).toEqual({ owner: "alice", kind: "report" });
    expect(run!.kwargs.input).toEqual({ text: "ping" });
    expect(run!.kwargs).not.toHaveProperty("webhook");
    expect((run!.kwargs.config as JsonObject).configurable).toMatchObject({ langgraph_auth_user_id: "alice", model: "m", langgraph_auth_permissions: ["chat"] });
    const request = asked.at(-1)!;
    expect([request.resource, request.action, request.user?.identity]).toEqual(["threads", "create_run", "alice"]);
  });

  it("a stateless cron makes a new thread per firing, with the run's metadata, deleted when the run ends", async () => {
    await cron({ schedule: "* * * * * *", due: "-1 second", metadata: { owner: "alice", tag: "stateless" } });
    const s = scheduler();
    expect(await s.tick()).toBe(1);
    await db.query("UPDATE crons SET next_run_date = now() - interval '1 second'");
    expect(await s.tick()).toBe(1);
    const { rows } = await db.query<{ thread_id: string; metadata: JsonObject; kwargs: JsonObject }>(
      "SELECT runs.thread_id, threads.metadata, runs.kwargs FROM runs JOIN threads USING (thread_id) WHERE threads.metadata ->> 'tag' = 'stateless'",
    );
    expect(new Set(rows.map((row) => row.thread_id)).size).toBe(2);
    for (const row of rows) {
      expect(row.metadata).toEqual({ owner: "alice", tag: "stateless" });
      expect(row.kwargs.on_completion).toBe("delete");
    }
  });

  it("a cron past its end_time does not fire and shows no next run", async () => {
    const threadId = await thread("alice");
    const cronId = await cron({ threadId, schedule: "* * * * * *", due: "-5 seconds", endTime: "-2 seconds" });
    expect(await scheduler().tick()).toBe(0);
    expect(await runsOf(threadId)).toHaveLength(0);
    expect((await nextRunOf(cronId)).next_run_date).toBeNull();
  });

  it("a cron whose delete holds its row is passed over, and once deleted never fires", async () => {
    const threadId = await thread("alice");
    const cronId = await cron({ threadId, schedule: "* * * * * *", due: "-1 second" });
    const client = await db.connect();
    try {
      await client.query("BEGIN");
      await client.query("DELETE FROM crons WHERE cron_id = $1", [cronId]);
      expect(await scheduler().tick()).toBe(0);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    expect(await scheduler().tick()).toBe(0);
    expect(await runsOf(threadId)).toHaveLength(0);
  });

  it("a handler that denies the owner skips that firing, advances the cron, and others still fire", async () => {
    const [aliceThread, bobThread] = [await thread("alice"), await thread("bob")];
    const denied = await cron({ threadId: bobThread, schedule: "0 0 1 1 *", due: "-1 second", owner: bob, metadata: { owner: "bob" } });
    await cron({ threadId: aliceThread, schedule: "0 0 1 1 *", due: "-1 second" });
    policy = (request) => (request.user!.identity === "bob" ? create(DecisionSchema, { effect: Effect.DENY }) : allowOwnThreads(request));
    expect(await scheduler().tick()).toBe(1);
    expect(await runsOf(aliceThread)).toHaveLength(1);
    expect(await runsOf(bobThread)).toHaveLength(0);
    expect((await nextRunOf(denied)).next_run_date!.getUTCFullYear()).toBeGreaterThan(new Date().getUTCFullYear());
  });

  it("a thread the owner can no longer see gets no run: the firing is skipped", async () => {
    const threadId = await thread("bob");
    const cronId = await cron({ threadId, schedule: "0 0 1 1 *", due: "-1 second" });
    expect(await scheduler().tick()).toBe(0);
    expect(await runsOf(threadId)).toHaveLength(0);
    expect((await nextRunOf(cronId)).next_run_date!.getTime()).toBeGreaterThan(Date.now());
  });

  it("an unreachable authz leaves the cron due; it fires once when authz is back", async () => {
    const threadId = await thread("alice");
    const cronId = await cron({ threadId, schedule: "0 0 1 1 *", due: "-1 second" });
    policy = () => "unavailable";
    const s = scheduler();
    expect(await s.tick()).toBe(0);
    expect((await nextRunOf(cronId)).next_run_date!.getTime()).toBeLessThan(Date.now());
    policy = allowOwnThreads;
    expect(await s.tick()).toBe(1);
    expect(await s.tick()).toBe(0);
    expect(await runsOf(threadId)).toHaveLength(1);
  });
});
