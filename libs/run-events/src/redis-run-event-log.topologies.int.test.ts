/**
 * The Redis Streams log on a Redis Cluster (three masters, a replica each)
 * and on a master with a replica behind three Sentinels, all of this file's
 * own on loopback: the whole conformance suite on each, then a master killed
 * with SIGKILL while runs append and readers read.
 */
import { randomUUID } from "node:crypto";
import { createRedisClient, type RedisTarget } from "@gatehouse/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  hasRedisTools,
  startPrivateRedisCluster,
  startPrivateRedisSentinel,
  type PrivateRedisCluster,
  type PrivateRedisSentinel,
  type RedisNode,
} from "../../../test/support/redis-topologies.js";
import { createRedisRunEventLog, runEventsKey } from "./redis-run-event-log.js";
import type { RunEventLog } from "./run-event-log.js";
import { describeRunEventLogConformance } from "./run-event-log.conformance.js";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const address = (node: RedisNode) => ({ host: "127.0.0.1", port: node.port });

/** Client connections of a node that are not replication links, less the admin's own. */
async function clientConnections(nodes: RedisNode[]): Promise<number> {
  const alive = nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null);
  const counts = await Promise.all(
    alive.map(async (node) => {
      const admin = node.admin();
      const normal = String(await admin.call("CLIENT", "LIST", "TYPE", "normal")).trim().split("\n").length;
      const pubsub = String(await admin.call("CLIENT", "LIST", "TYPE", "pubsub")).trim().split("\n").filter(Boolean).length;
      return normal + pubsub - 1;
    }),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

/** What one reader saw of one run while it resumed after every failure. */
interface ReaderResult {
  numbers: number[];
  failures: number;
}

/**
 * Streams `runs` runs while `failover` runs: each run appends one numbered
 * event at a time (never retrying a failed append, as the worker does not)
 * and two readers per run, on another log, resume with their last id after
 * every failure. Answers which numbers each run's appends acknowledged and
 * what each reader saw.
 */
async function streamThrough(
  writer: RunEventLog,
  relay: RunEventLog,
  runIds: string[],
  failover: () => Promise<void>,
): Promise<{ acknowledged: Map<string, number[]>; attempted: Map<string, number>; seen: Map<string, ReaderResult[]> }> {
  const acknowledged = new Map(runIds.map((runId) => [runId, [] as number[]]));
  const attempted = new Map(runIds.map((runId) => [runId, 0]));
  let writing = true;
  const writers = runIds.map(async (runId) => {
    for (let n = 1; writing; n += 1) {
      attempted.set(runId, n);
      const ok = await writer.append(runId, [{ event: "values", data: { n } }]).then(
        () => true,
        () => false,
      );
      if (ok) acknowledged.get(runId)!.push(n);
      await pause(ok ? 5 : 50);
    }
    // Finishing is idempotent, so it is retried until it is acknowledged.
    for (;;) {
      if (await writer.finish(runId).then(() => true, () => false)) return;
      await pause(100);
    }
  });
  const read = async (runId: string): Promise<ReaderResult> => {
    const result: ReaderResult = { numbers: [], failures: 0 };
    let lastId: string | undefined;
    for (;;) {
      try {
        for await (const event of relay.read(runId, { afterId: lastId })) {
          result.numbers.push((event.data as { n: number }).n);
          lastId = event.id;
        }
        return result;
      } catch {
        result.failures += 1;
        await pause(100);
      }
    }
  };
  const readers = runIds.map(async (runId) => [runId, await Promise.all([read(runId), read(runId)])] as const);
  await pause(1_000);
  await failover();
  await pause(2_000);
  writing = false;
  await Promise.all(writers);
  const seen = new Map(await Promise.all(readers));
  return { acknowledged, attempted, seen };
}

/** Every reader saw each acknowledged event, none twice, all in the order appended. */
function expectExactlyOnceInOrder(result: Awaited<ReturnType<typeof streamThrough>>): void {
  let failures = 0;
  for (const [runId, readers] of result.seen) {
    const acknowledged = result.acknowledged.get(runId)!;
    expect(acknowledged.length).toBeGreaterThan(50);
    for (const reader of readers) {
      failures += reader.failures;
      // Strictly increasing: in order, and no event twice.
      expect(reader.numbers.every((n, i) => i === 0 || n > reader.numbers[i - 1]!), `run ${runId} read ${reader.numbers.join(",")}`).toBe(true);
      const read = new Set(reader.numbers);
      expect(acknowledged.filter((n) => !read.has(n)), `acknowledged events of run ${runId} a reader missed`).toEqual([]);
      expect(reader.numbers.every((n) => n <= result.attempted.get(runId)!)).toBe(true);
    }
  }
  // The failover was felt: some appends or reads failed on the way.
  const unacknowledged = [...result.attempted].reduce((sum, [runId, last]) => sum + last - result.acknowledged.get(runId)!.length, 0);
  expect(failures + unacknowledged).toBeGreaterThan(0);
}

describe.skipIf(!hasRedisTools)("the Redis Streams log on a Redis Cluster", { timeout: 60_000 }, () => {
  let cluster: PrivateRedisCluster;
  let target: RedisTarget;

  beforeAll(async () => {
    cluster = await startPrivateRedisCluster(3);
    target = { kind: "cluster", nodes: [address(cluster.nodes[0]!)] };
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  describeRunEventLogConformance("the Redis Streams log on a cluster", {
    create: (bounds) => createRedisRunEventLog({ target, pollMs: 500, ...bounds }),
    sharedAcrossInstances: true,
    connections: () => clientConnections(cluster.nodes),
    trimSlack: 100,
    expirySlackMs: 50,
  });

  it("keeps runs on every master, and wakes a reader from an append on another node without waiting for the poll", async () => {
    const writer = createRedisRunEventLog({ target: { kind: "cluster", nodes: [address(cluster.nodes[1]!)] }, pollMs: 30_000 });
    const relay = createRedisRunEventLog({ target, pollMs: 30_000 });
    try {
      const runIds = Array.from({ length: 30 }, () => randomUUID());
      const readers = runIds.map(async (runId) => {
        const seen: unknown[] = [];
        for await (const event of relay.read(runId)) seen.push(event.data);
        return seen;
      });
      await pause(300);
      const started = Date.now();
      for (const [i, runId] of runIds.entries()) {
        await writer.append(runId, [{ event: "values", data: i }]);
        await writer.finish(runId);
      }
      expect(await Promise.all(readers)).toEqual(runIds.map((_, i) => [i]));
      expect(Date.now() - started).toBeLessThan(5_000);
      const masters = await cluster.masters();
      const held = await Promise.all(masters.map(async (node) => (await Promise.all(runIds.map((runId) => node.admin().exists(runEventsKey(runId)).catch(() => 0)))).filter(Boolean).length));
      expect(held.every((count) => count > 0), `runs per master ${held.join(", ")}`).toBe(true);
    } finally {
      await Promise.all([writer.close(), relay.close()]);
    }
  });

  it("still delivers an event whose wake-up never came, within the poll interval", async () => {
    const relay = createRedisRunEventLog({ target, pollMs: 300 });
    const other = createRedisClient(target, { offlineQueue: true });
    try {
      const runId = randomUUID();
      const reading = (async () => {
        const seen: unknown[] = [];
        for await (const event of relay.read(runId)) seen.push(event.data);
        return seen;
      })();
      await pause(200);
      // Written straight to the stream, as a log would, but with no PUBLISH: the wake-up is lost.
      const key = runEventsKey(runId);
      await other.xadd(key, "*", "event", "values", "data", '"unannounced"');
      await other.xadd(key, "*", "finished", "1");
      const started = Date.now();
      expect(await reading).toEqual(["unannounced"]);
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      other.disconnect();
      await relay.close();
    }
  });

  it("loses and repeats no acknowledged event when a master is killed while runs append and readers read", async () => {
    await cluster.waitHealthy();
    const writer = createRedisRunEventLog({ target, pollMs: 500 });
    const relay = createRedisRunEventLog({ target: { kind: "cluster", nodes: cluster.nodes.map(address) }, pollMs: 500 });
    try {
      const runIds = Array.from({ length: 6 }, () => randomUUID());
      const result = await streamThrough(writer, relay, runIds, async () => {
        // The master that holds the first run's events, so the failover hits a run mid-stream.
        const masters = await cluster.masters();
        const holders = await Promise.all(masters.map((node) => node.admin().exists(runEventsKey(runIds[0]!)).catch(() => 0)));
        const victim = masters[holders.indexOf(1)] ?? masters[0]!;
        await victim.kill();
      });
      expectExactlyOnceInOrder(result);
    } finally {
      await Promise.all([writer.close(), relay.close()]);
    }
  });
});

describe.skipIf(!hasRedisTools)("the Redis Streams log behind Sentinels", { timeout: 60_000 }, () => {
  let sentinel: PrivateRedisSentinel;
  let target: RedisTarget;

  beforeAll(async () => {
    sentinel = await startPrivateRedisSentinel();
    target = { kind: "sentinel", sentinels: sentinel.sentinels.map(address), name: sentinel.masterName };
  }, 120_000);
  afterAll(async () => {
    await sentinel?.stop();
  });

  describeRunEventLogConformance("the Redis Streams log behind Sentinels", {
    create: (bounds) => createRedisRunEventLog({ target, ...bounds }),
    sharedAcrossInstances: true,
    connections: () => clientConnections([sentinel.master, sentinel.replica]),
    trimSlack: 100,
    expirySlackMs: 50,
  });

  it("loses and repeats no acknowledged event when the master is killed while runs append and readers read", async () => {
    const writer = createRedisRunEventLog({ target });
    const relay = createRedisRunEventLog({ target });
    try {
      const runIds = Array.from({ length: 4 }, () => randomUUID());
      const result = await streamThrough(writer, relay, runIds, async () => {
        await sentinel.master.kill();
        // Streaming goes on once the Sentinels have promoted the replica.
        for (let attempt = 0; attempt < 200 && (await sentinel.currentMasterPort()) !== sentinel.replica.port; attempt += 1) await pause(100);
        expect(await sentinel.currentMasterPort()).toBe(sentinel.replica.port);
      });
      expectExactlyOnceInOrder(result);
    } finally {
      await Promise.all([writer.close(), relay.close()]);
    }
  });
});
