/**
 * Crons fire, end to end: two store replicas (each running the scheduler)
 * and two workers on one real Postgres, the example graph answering. A cron
 * due every 2 seconds fires once per due time and each run is executed once;
 * end_time and deletes stop a cron; stopping every store across due times
 * loses no firing (the missed window fires once, not once per missed slot);
 * a firing's run carries the cron's metadata and its owner's identity; and
 * Bob never sees what Alice's crons made. Firings are counted in the
 * database (runs and their created_at) and in the stores' "cron fired" log
 * lines, which name the due time each firing served.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, startServiceProcess, type Cluster, type ServiceProcess } from "@gatehouse/launcher";
import { expectError, expectOk, fromStruct, grpc, storeClient, toStruct, type StoreClient } from "../support/proto-client.js";
import { expectSameAnswer } from "../support/same-answer.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { fromRoot } from "../support/test-gatehouse.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pollMs = 200;
const everyTwoSeconds = "*/2 * * * * *";

/** One "cron fired" line of a store's log. */
interface Firing {
  cron_id: string;
  run_id: string;
  due: string;
  time: number;
}

interface RunRow {
  run_id: string;
  status: string;
  attempt: number;
  metadata: Record<string, unknown>;
  kwargs: { config: { configurable: Record<string, unknown> } };
  created_at: Date;
}

describe.skipIf(!process.env.DATABASE_URL)("crons fire on two store replicas with two workers", () => {
  let database: TestDatabase;
  let cluster: Cluster;
  let db: pg.Pool;
  let alice: StoreClient;
  let bob: StoreClient;
  const secret = randomUUID();
  const firings: Firing[] = [];
  const restarted: ServiceProcess[] = [];

  const onLog = (service: string, line: string) => {
    if (process.env.GATEHOUSE_TEST_LOGS) console.log(`[${service}] ${line}`);
    if (!service.startsWith("store") || !line.includes('"cron fired"')) return;
    const entry = JSON.parse(line) as Firing;
    firings.push({ cron_id: entry.cron_id, run_id: entry.run_id, due: entry.due, time: entry.time });
  };
  const firingsOf = (cronId: string) => firings.filter((firing) => firing.cron_id === cronId).sort((a, b) => a.due.localeCompare(b.due));
  const runsOf = async (threadId: string) =>
    (await db.query<RunRow>("SELECT run_id, status, attempt, metadata, kwargs, created_at FROM runs WHERE thread_id = $1 ORDER BY created_at", [threadId])).rows;

  async function createCron(client: StoreClient, request: Record<string, unknown>) {
    return expectOk(await client.call("CronService", "CreateCron", { assistant_id: "agent", schedule: everyTwoSeconds, ...request })).cron;
  }

  async function newThread(): Promise<string> {
    return expectOk(await alice.call("ThreadService", "CreateThread", {})).thread.thread_id;
  }

  const tick = (text: string) => toStruct({ input: { messages: [{ role: "user", content: text }] } });

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    cluster = await startCluster({
      configPath: fromRoot("gatehouse.json"),
      databaseUrl: database.url,
      replicas: { store: 2, worker: 2 },
      worker: true,
      env: { LOG_LEVEL: "info", GATEHOUSE_CRON_POLL_MS: String(pollMs), GATEHOUSE_CACHE_SECRET: secret },
      onLog,
    });
    alice = storeClient(cluster.replicas.store[0]!.address, { authorization: "Bearer user1-token" });
    bob = storeClient(cluster.replicas.store[1]!.address, { authorization: "Bearer user2-token" });
  }, 120_000);

  afterAll(async () => {
    alice?.close();
    bob?.close();
    await Promise.all(restarted.map((store) => store.stop()));
    await cluster?.stop();
    await db?.end();
    await database?.drop();
  });

  let everyTwo: { cronId: string; threadId: string };
  let ending: { cronId: string; threadId: string; endTime: number };
  let stateless: { cronId: string; tag: string };
  let deletedAt: number;

  it("a cron due every 2 seconds fires once per due time across both replicas, and each run executes once", async () => {
    const threadId = await newThread();
    const cron = await createCron(alice, { thread_id: threadId, payload: tick("tick"), metadata: toStruct({ purpose: "e2e" }) });
    everyTwo = { cronId: cron.cron_id, threadId };
    expect(cron.user_id).toBe("user1");
    expect(Number(cron.next_run_date.seconds) % 2).toBe(0);

    const endTime = Date.now() + 5_000;
    const endingThread = await newThread();
    const endingCron = await createCron(alice, {
      thread_id: endingThread,
      payload: tick("until"),
      end_time: { seconds: Math.floor(endTime / 1000), nanos: (endTime % 1000) * 1e6 },
    });
    ending = { cronId: endingCron.cron_id, threadId: endingThread, endTime };

    const tag = randomUUID();
    const statelessCron = await createCron(alice, { payload: toStruct({ ...fromStruct(tick("alone")), on_run_completed: "keep" }), metadata: toStruct({ tag }) });
    stateless = { cronId: statelessCron.cron_id, tag };

    await sleep(10_500);
    expectOk(await alice.call("CronService", "DeleteCron", { cron_id: everyTwo.cronId }));
    expectOk(await alice.call("CronService", "DeleteCron", { cron_id: stateless.cronId }));
    deletedAt = Date.now();

    const fired = firingsOf(everyTwo.cronId);
    // One firing per due time: distinct due times, 2 seconds apart, none skipped.
    expect(new Set(fired.map((firing) => firing.due)).size).toBe(fired.length);
    expect(fired.length).toBeGreaterThanOrEqual(4);
    expect(fired.length).toBeLessThanOrEqual(6);
    const dues = fired.map((firing) => Date.parse(firing.due));
    for (let i = 1; i < dues.length; i++) expect(dues[i]! - dues[i - 1]!).toBe(2_000);
    // The runs are exactly the firings the two replicas logged.
    const runs = await runsOf(threadId);
    expect(runs.map((run) => run.run_id).sort()).toEqual(fired.map((firing) => firing.run_id).sort());
    const buckets = runs.map((run) => Math.floor(run.created_at.getTime() / 2_000));
    expect(new Set(buckets).size).toBe(runs.length);

    // Each run executes once, by one of the two workers.
    let settled = runs;
    for (let waited = 0; waited < 30_000 && settled.some((run) => run.status !== "success"); waited += 250) {
      await sleep(250);
      settled = await runsOf(threadId);
    }
    expect(settled.map((run) => [run.status, run.attempt])).toEqual(runs.map(() => ["success", 1]));
    const { rows } = await db.query<{ values: unknown }>('SELECT "values" FROM threads WHERE thread_id = $1', [threadId]);
    const replies = JSON.stringify(rows[0]!.values).match(/Hello Alice! You said: \\"tick\\"/g) ?? [];
    expect(replies).toHaveLength(runs.length);
  }, 60_000);

  it("the firing's run carries the cron's metadata and the owner's langgraph_auth_user_id", async () => {
    const { runs } = expectOk(await alice.call("RunService", "ListRuns", { thread_id: everyTwo.threadId, limit: 100 }));
    expect(runs.length).toBeGreaterThanOrEqual(4);
    for (const run of runs) {
      expect(fromStruct(run.metadata)).toEqual({ purpose: "e2e", owner: "user1" });
      const configurable = (fromStruct(run.kwargs).config as { configurable: Record<string, unknown> }).configurable;
      expect(configurable.langgraph_auth_user_id).toBe("user1");
    }
  });

  it("a deleted cron fires no more", async () => {
    const before = (await runsOf(everyTwo.threadId)).length;
    await sleep(Math.max(0, deletedAt + 4_500 - Date.now()));
    expect(await runsOf(everyTwo.threadId)).toHaveLength(before);
    expect(firingsOf(everyTwo.cronId).every((firing) => firing.time < deletedAt)).toBe(true);
    expect(firingsOf(stateless.cronId).every((firing) => firing.time < deletedAt)).toBe(true);
  });

  it("a cron stops firing at its end_time and then shows no next run", async () => {
    const fired = firingsOf(ending.cronId);
    expect(fired.length).toBeGreaterThanOrEqual(1);
    expect(fired.length).toBeLessThanOrEqual(3);
    for (const firing of fired) expect(Date.parse(firing.due)).toBeLessThanOrEqual(ending.endTime);
    expect(await runsOf(ending.threadId)).toHaveLength(fired.length);
    const { cron } = expectOk(await alice.call("CronService", "GetCron", { cron_id: ending.cronId }));
    expect(cron.next_run_date).toBeNull();
  });

  it("a stateless cron makes a thread per firing, which Alice sees and Bob never does", async () => {
    const search = (client: StoreClient) => client.call("ThreadService", "SearchThreads", { metadata: toStruct({ tag: stateless.tag }), limit: 100 });
    const threads = expectOk(await search(alice)).threads;
    expect(threads.length).toBe(firingsOf(stateless.cronId).length);
    expect(threads.length).toBeGreaterThanOrEqual(4);
    for (const thread of threads) expect(fromStruct(thread.metadata)).toEqual({ tag: stateless.tag, owner: "user1" });
    expect(expectOk(await search(bob)).threads).toEqual([]);
    const hidden = expectError(await bob.call("RunService", "ListRuns", { thread_id: threads[0]!.thread_id }));
    const missing = expectError(await bob.call("RunService", "ListRuns", { thread_id: randomUUID() }));
    expect(hidden.code).toBe(grpc.status.NOT_FOUND);
    expectSameAnswer(hidden, missing);
  });

  it("Bob sees neither Alice's cron nor the runs it made", async () => {
    const hidden = expectError(await bob.call("RunService", "ListRuns", { thread_id: everyTwo.threadId }));
    const missing = expectError(await bob.call("RunService", "ListRuns", { thread_id: randomUUID() }));
    expect(hidden.code).toBe(grpc.status.NOT_FOUND);
    expectSameAnswer(hidden, missing);
    const run = (await runsOf(everyTwo.threadId))[0]!;
    expect(expectError(await bob.call("RunService", "GetRun", { thread_id: everyTwo.threadId, run_id: run.run_id })).code).toBe(grpc.status.NOT_FOUND);
    expect(expectError(await bob.call("CronService", "GetCron", { cron_id: ending.cronId })).code).toBe(grpc.status.NOT_FOUND);
    expect(expectOk(await bob.call("CronService", "CountCrons", {})).count).toBe("0");
  });

  it("stopping every store across due times loses no firing: the missed window fires once on restart", async () => {
    const threadId = await newThread();
    const cron = await createCron(alice, { thread_id: threadId, payload: tick("again") });
    for (let waited = 0; waited < 6_000 && firingsOf(cron.cron_id).length === 0; waited += 100) await sleep(100);
    expect(firingsOf(cron.cron_id).length).toBeGreaterThanOrEqual(1);

    const addresses = cluster.replicas.store.map((store) => store.address);
    alice.close();
    bob.close();
    await Promise.all(cluster.replicas.store.map((store) => store.stop()));
    const stoppedAt = Date.now();
    const firedBefore = firingsOf(cron.cron_id).length;
    await sleep(5_000);
    const { rows } = await db.query<{ next_run_date: Date }>("SELECT next_run_date FROM crons WHERE cron_id = $1", [cron.cron_id]);
    const missed = rows[0]!.next_run_date;
    expect(missed.getTime()).toBeLessThan(Date.now() - 2_000);

    for (const [n, address] of addresses.entries()) {
      const store = await startServiceProcess({
        name: "store",
        env: {
          GATEHOUSE_CONFIG: fromRoot("gatehouse.json"),
          GATEHOUSE_CACHE_SECRET: secret,
          REDIS_URL: "",
          LOG_LEVEL: "info",
          GATEHOUSE_CRON_POLL_MS: String(pollMs),
          STORE_HOST: "127.0.0.1",
          STORE_PORT: address.split(":").at(-1),
          DATABASE_URL: database.url,
          AUTHN_TARGET: cluster.authn.address,
          AUTHZ_TARGET: cluster.authz.address,
        },
        onLog: (line) => onLog(`store-restarted-${n}`, line),
      });
      restarted.push(store);
    }
    alice = storeClient(restarted[0]!.address, { authorization: "Bearer user1-token" });
    bob = storeClient(restarted[1]!.address, { authorization: "Bearer user2-token" });
    await sleep(5_000);
    expectOk(await alice.call("CronService", "DeleteCron", { cron_id: cron.cron_id }));

    const after = firingsOf(cron.cron_id).slice(firedBefore);
    expect(after.every((firing) => firing.time > stoppedAt)).toBe(true);
    // The due time missed while no store ran fires once, as soon as a store runs...
    const catchUp = after.filter((firing) => firing.due === missed.toISOString());
    expect(catchUp).toHaveLength(1);
    // ...and not once per missed slot: every later firing serves a due time after it.
    for (const firing of after) if (firing !== catchUp[0]) expect(Date.parse(firing.due)).toBeGreaterThan(catchUp[0]!.time - 50);
    expect(new Set(after.map((firing) => firing.due)).size).toBe(after.length);
    expect(after.length).toBeGreaterThanOrEqual(2);
    expect(after.length).toBeLessThanOrEqual(5);
    expect(await runsOf(threadId)).toHaveLength(firedBefore + after.length);
  }, 60_000);
});
