/**
 * The publish-based wake-ups against a real redis-server of this file's own
 * (a cluster node subscribes the same way), which the tests restart to lose
 * the subscription.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasRedisServer, startPrivateRedis, type PrivateRedis } from "@gatehouse/redis/testing";
import { createRedisPublishWaiter } from "./redis-publish-waiter.js";
import type { RunStreamWaker } from "./redis-stream-waiter.js";
import { waitForWake } from "./wait-for-wake.js";

const channel = "test:run-events";
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!hasRedisServer)("createRedisPublishWaiter", () => {
  let redis: PrivateRedis;
  let waker: RunStreamWaker;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    waker = createRedisPublishWaiter({ kind: "cluster", nodes: [{ host: "127.0.0.1", port: redis.port }] }, channel, () => []);
  });
  afterAll(async () => {
    waker?.close();
    await redis?.stop();
  });

  /** Publishes until someone hears it, so a test does not race the subscription coming up. */
  const publishHeard = async (key: string) => {
    const admin = redis.admin();
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if ((await admin.publish(channel, key).catch(() => 0)) > 0) return;
      await pause(20);
    }
    throw new Error("nobody subscribed");
  };

  /** How long a wait took, up to timeoutMs. */
  const timed = async (subscribe: (wake: () => void) => () => void, timeoutMs: number) => {
    const started = Date.now();
    await waitForWake(subscribe, timeoutMs, undefined);
    return Date.now() - started;
  };

  // A reader may also be woken without cause (after a resubscription every reader reads again), which
  // costs a read and loses nothing; what must hold is that a publish wakes its key's reader long before its poll.
  it("wakes the reader of the published key at once, long before its poll", async () => {
    const a = waker.follow("run:{a}");
    await publishHeard("run:{warm-up}");
    a.beforeRead();
    const waitingA = timed(a.wait("0-0"), 5_000);
    await publishHeard("run:{a}");
    expect(await waitingA).toBeLessThan(2_000);
    a.close();
    expect(waker.waiting).toBe(0);
  });

  it("counts a wake-up heard between a reader's read and its wait, and not one heard before the read", async () => {
    const follower = waker.follow("run:{c}");
    await publishHeard("run:{c}");
    await pause(50);
    // The reader reads now: what was published before is in what it read.
    follower.beforeRead();
    expect(await timed(follower.wait("0-0"), 300)).toBeGreaterThanOrEqual(250);
    follower.beforeRead();
    await publishHeard("run:{c}");
    await pause(50);
    // Heard after the read, before the wait: the wait ends at once.
    expect(await timed(follower.wait("0-0"), 5_000)).toBeLessThan(2_000);
    follower.close();
  });

  it("wakes every reader when its subscription comes back after Redis went away, since messages were lost meanwhile", async () => {
    const follower = waker.follow("run:{d}");
    await publishHeard("run:{d}");
    await pause(50);
    follower.beforeRead();
    const waiting = timed(follower.wait("0-0"), 10_000);
    await redis.restart();
    expect(await waiting).toBeLessThan(5_000);
    follower.close();
  });
});
