/**
 * Per-caller rate limits shared through Redis: two store replicas started as
 * operators run them, one Redis of this file's own (so the last test can kill
 * it), and one caller spreading its requests over both replicas. The caller
 * gets its configured rate in total, not once per replica; with Redis gone
 * each replica limits it by itself and nothing is refused for Redis's absence.
 */
import { randomUUID } from "node:crypto";
import { startCluster, type Cluster } from "@gatehouse/launcher";
import { createSharedCallerRateLimiter } from "@gatehouse/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasRedisServer, startPrivateRedis, type PrivateRedis } from "@gatehouse/redis/testing";
import { expectError, grpc, storeClient, type StoreClient } from "../support/proto-client.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { fromRoot } from "../support/test-gatehouse.js";

// Four requests a second, four at once: with Redis the window is one second and admits four.
const perSecond = 4;

let redis: PrivateRedis;
let database: TestDatabase;
let cluster: Cluster;
let clients: StoreClient[];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const getMissingThread = (client: StoreClient) => client.call("ThreadService", "GetThread", { thread_id: randomUUID() });
/** NOT_FOUND: admitted (the thread is made up); RESOURCE_EXHAUSTED: limited. Anything else fails the test. */
async function admitted(client: StoreClient): Promise<boolean> {
  const { code, details } = expectError(await getMissingThread(client));
  if (code === grpc.status.NOT_FOUND) return true;
  if (code === grpc.status.RESOURCE_EXHAUSTED) return false;
  throw new Error(`unexpected ${grpc.status[code]}: ${details}`);
}

describe.skipIf(!hasRedisServer)("per-caller rate limits shared through Redis", () => {
  beforeAll(async () => {
    redis = await startPrivateRedis();
    database = await createTestDatabase();
    cluster = await startCluster({
      configPath: fromRoot("gatehouse.json"),
      databaseUrl: database.url,
      databasePoolMax: database.poolMax,
      redisUrl: redis.url,
      replicas: { store: 2 },
      env: {
        ...database.serviceEnv,
        GATEHOUSE_RATE_LIMIT_PER_SECOND: String(perSecond),
        GATEHOUSE_RATE_LIMIT_BURST: String(perSecond),
        LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
      },
    });
    expect(cluster.replicas.store).toHaveLength(2);
    // One client per replica, both alice: a balancer could send her anywhere.
    clients = cluster.replicas.store.map(({ address }) => storeClient(address, { authorization: "Bearer user1-token" }));
    // Her first call on each replica proves her credential there, so from then on both charge her own key.
    for (const client of clients) expect(await admitted(client)).toBe(true);
  });
  afterAll(async () => {
    for (const client of clients ?? []) client.close();
    await cluster?.stop();
    await database?.drop();
    await redis?.stop();
  });

  it("refuses on one store replica a caller who spent her allowance on the other", async () => {
    await sleep(1_100);
    const first = await Promise.all(Array.from({ length: perSecond }, () => admitted(clients[0]!)));
    expect(first).toEqual(Array.from({ length: perSecond }, () => true));
    const limited = expectError(await getMissingThread(clients[1]!));
    expect(limited.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(Number(limited.metadata.get("retry-after")[0])).toBeGreaterThanOrEqual(1);
  });

  it("admits a caller hammering both replicas for three seconds at her configured rate, not twice it", async () => {
    await sleep(1_100);
    const seconds = 3;
    const until = Date.now() + seconds * 1_000;
    const counts = await Promise.all(
      clients.map(async (client) => {
        const count = { admitted: 0, limited: 0 };
        while (Date.now() < until) {
          if (await admitted(client)) count.admitted += 1;
          else count.limited += 1;
        }
        return count;
      }),
    );
    const total = counts.reduce((sum, { admitted: n }) => sum + n, 0);
    // A fixed window of one second touches at most seconds + 1 windows; per replica it would be twice that.
    expect(total).toBeLessThanOrEqual(perSecond * (seconds + 1));
    expect(total).toBeGreaterThanOrEqual(perSecond * (seconds - 1));
    for (const { limited } of counts) expect(limited).toBeGreaterThan(0);
  });

  it("falls back to each replica's own count while Redis is down, refusing no caller for Redis's absence", async () => {
    await redis.kill();
    await sleep(1_100);
    // Each replica now counts alone: alice gets a window's allowance on each, and is limited on each past it.
    for (const client of clients) {
      const results = [];
      for (let n = 0; n <= perSecond; n += 1) results.push(await admitted(client));
      expect(results.slice(0, perSecond)).toEqual(Array.from({ length: perSecond }, () => true));
      expect(results[perSecond]).toBe(false);
    }
    await redis.restart();
  });
});

describe.skipIf(!hasRedisServer)("the shared limiter itself", () => {
  it("counts one caller once across two limiters on the same Redis, and keeps limiting alone when Redis stops answering", async () => {
    const own = await startPrivateRedis();
    const options = { redis: { kind: "standalone" as const, url: own.url }, keyPrefix: `test:${randomUUID()}`, perSecond: 2, burst: 2 };
    const [a, b] = [createSharedCallerRateLimiter(options), createSharedCallerRateLimiter(options)];
    try {
      await sleep(200);
      expect(await a.take("caller")).toBe(0);
      expect(await b.take("caller")).toBe(0);
      const wait = await a.take("caller");
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(1_000);
      expect(await b.take("someone else")).toBe(0);

      await own.kill();
      await sleep(200);
      expect(await a.take("caller")).toBe(0);
      expect(await a.take("caller")).toBe(0);
      expect(await a.take("caller")).toBeGreaterThan(0);
    } finally {
      await a.close();
      await b.close();
      await own.stop();
    }
  });

  it("gives an idle caller its whole burst once over all limiters, then a wait within a second", async () => {
    const own = await startPrivateRedis();
    const options = { redis: { kind: "standalone" as const, url: own.url }, keyPrefix: `test:${randomUUID()}`, perSecond: 1, burst: 3 };
    const [a, b] = [createSharedCallerRateLimiter(options), createSharedCallerRateLimiter(options)];
    try {
      await sleep(200);
      expect([await a.take("caller"), await b.take("caller"), await a.take("caller")]).toEqual([0, 0, 0]);
      const wait = await b.take("caller");
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(1_000);
      await sleep(wait + 50);
      expect(await a.take("caller")).toBe(0);
    } finally {
      await a.close();
      await b.close();
      await own.stop();
    }
  });
});
