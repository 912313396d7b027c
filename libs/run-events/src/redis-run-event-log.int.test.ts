/**
 * The Redis Streams log against a real redis-server of this file's own, on a
 * free loopback port, so counting its connections is exact.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { hasRedisServer, startPrivateRedis, type PrivateRedis } from "@gatehouse/redis/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisRunEventLog, runEventsKey } from "./redis-run-event-log.js";
import { describeRunEventLogConformance } from "./run-event-log.conformance.js";

describe.skipIf(!hasRedisServer)("createRedisRunEventLog on a real Redis", () => {
  let redis: PrivateRedis | undefined;
  let admin: Redis;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    admin = redis.admin();
  });
  afterAll(async () => redis?.stop());

  /** Client connections other than the admin's own. */
  const connections = async () => ((await admin.client("LIST")) as string).trim().split("\n").length - 1;

  describeRunEventLogConformance("the Redis Streams log", {
    create: (bounds) => createRedisRunEventLog({ url: redis!.url, ...bounds }),
    sharedAcrossInstances: true,
    connections,
    // MAXLEN ~ drops whole stream nodes of up to 100 entries.
    trimSlack: 100,
    expirySlackMs: 50,
  });

  it("uses one stream per run under a hash-tagged key, with the finish marker last and both expiries set", async () => {
    const log = createRedisRunEventLog({ url: redis!.url, finishedTtlMs: 5_000, abandonedTtlMs: 60_000 });
    const runId = randomUUID();
    const key = runEventsKey(runId);
    expect(key).toBe(`gatehouse:run:{${runId}}:events`);
    await log.append(runId, [{ event: "values", data: { a: 1 } }]);
    const abandoned = await admin.pttl(key);
    expect(abandoned).toBeGreaterThan(55_000);
    expect(abandoned).toBeLessThanOrEqual(60_000);
    await log.finish(runId);
    const finished = await admin.pttl(key);
    expect(finished).toBeGreaterThan(0);
    expect(finished).toBeLessThanOrEqual(5_000);
    const entries = await admin.xrange(key, "-", "+");
    expect(entries.map(([, fields]) => fields)).toEqual([["event", "values", "data", '{"a":1}'], ["finished", "1"]]);
    await log.close();
  });

  it("reads every waiting reader of a replica through one blocking connection, however many there are", async () => {
    const log = createRedisRunEventLog({ url: redis!.url });
    await log.append(randomUUID(), [{ event: "values", data: 0 }]);
    const before = await connections();
    const runIds = Array.from({ length: 300 }, () => randomUUID());
    const readers = runIds.map(async (runId) => {
      const seen: unknown[] = [];
      for await (const event of log.read(runId)) seen.push(event.data);
      return seen;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await connections()).toBe(before + 1);
    await Promise.all(runIds.map((runId, i) => log.append(runId, [{ event: "values", data: i }]).then(() => log.finish(runId))));
    expect(await Promise.all(readers)).toEqual(runIds.map((_, i) => [i]));
    await log.close();
    await expect.poll(connections).toBe(before - 1);
  });

  it("wakes a reader that starts waiting while the shared XREAD blocks on other runs at once, not when the block times out", async () => {
    const log = createRedisRunEventLog({ url: redis!.url, blockMs: 20_000 });
    const idle = new AbortController();
    const idleReader = (async () => {
      for await (const _ of log.read(randomUUID(), { signal: idle.signal })) void _;
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const runId = randomUUID();
    const started = Date.now();
    const reading = (async () => {
      const seen: unknown[] = [];
      for await (const event of log.read(runId)) seen.push(event.data);
      return seen;
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await log.append(runId, [{ event: "values", data: "late" }]);
    await log.finish(runId);
    expect(await reading).toEqual(["late"]);
    expect(Date.now() - started).toBeLessThan(2_000);
    idle.abort();
    await idleReader;
    await log.close();
  });
});
