/**
 * The identity cache behind Redis Sentinel: a master, its replica and three
 * Sentinels of this file's own on loopback; authn and the store find the
 * master through REDIS_SENTINELS. When the master is killed with SIGKILL the
 * Sentinels promote the replica, the services follow it without a restart,
 * and a revocation made after the failover still reaches every cache.
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ThreadService } from "@gatehouse/contracts";
import type { ClosableTransport } from "@gatehouse/server";
import type { IdentityProvider } from "@gatehouse/verifiers/testing";
import type { AuthnClient } from "../support/authn-client.js";
import { startGatehouseOnSharedRedis } from "../support/gatehouse-on-shared-redis.js";
import { hasRedisTools, startPrivateRedisSentinel, type PrivateRedisSentinel } from "../support/redis-topologies.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => Math.floor(Date.now() / 1000);

describe.skipIf(!hasRedisTools)("the identity cache behind Redis Sentinel", () => {
  let redis: PrivateRedisSentinel;
  let idp: IdentityProvider;
  let authn: AuthnClient;
  let transport: ClosableTransport;
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    redis = await startPrivateRedisSentinel();
    ({ idp, authn, transport, stop } = await startGatehouseOnSharedRedis({
      env: {
        REDIS_SENTINELS: redis.sentinelList,
        REDIS_SENTINEL_NAME: redis.masterName,
        // Long-lived L1 entries: only the revocation message can drop them.
        GATEHOUSE_L1_TTL_MS: "60000",
      },
      limitDatabasePool: true,
      storeTransport: (gatehouse) => ({ target: gatehouse.store.address }),
    }));
  }, 120_000);

  afterAll(async () => {
    await stop?.();
    await redis?.stop();
  });

  it("caches on the master, follows the Sentinels to the promoted replica, and revokes there", async () => {
    const threads = createClient(ThreadService, transport);
    const tokens = Array.from({ length: 10 }, (_, n) => idp.issueOpaque({ sub: `user-${n}`, exp: now() + 600 }, "opaque-"));
    const ownerOf = async (n: number) => {
      const { thread } = await threads.createThread({ metadata: {} }, { headers: { authorization: `Bearer ${tokens[n]}` }, timeoutMs: 3_000 });
      return thread?.metadata?.owner;
    };
    for (let n = 0; n < tokens.length; n += 1) expect(await ownerOf(n)).toBe(`user-${n}`);
    // The entries are on the master, and replicated.
    expect(await redis.master.admin().dbsize()).toBe(tokens.length);

    const before = await redis.currentMasterPort();
    await redis.master.kill();
    const killedAt = Date.now();
    // Requests keep being answered with the right identity while the Sentinels fail over (Redis down is a miss).
    const answers: string[] = [];
    let after = before;
    while (after === before && Date.now() - killedAt < 20_000) {
      const n = answers.length % tokens.length;
      answers.push(await ownerOf(n).then((owner) => (owner === `user-${n}` ? "right" : `wrong: ${String(owner)}`), (error: unknown) => Code[ConnectError.from(error).code]));
      after = await redis.currentMasterPort().catch(() => before);
      await sleep(100);
    }
    const failoverMs = Date.now() - killedAt;
    expect(after).toBe(redis.replica.port);
    console.log(`Sentinels promoted the replica ${failoverMs} ms after the master died; answers meanwhile: ${[...new Set(answers)].map((a) => `${a} ×${answers.filter((b) => b === a).length}`).join(", ")}`);
    expect(answers.filter((answer) => answer !== "right")).toEqual([]);

    // The services reach the new master: a revocation lands there and drops every cached copy.
    const promoted = new Redis({ port: after, host: "127.0.0.1", maxRetriesPerRequest: 1 });
    try {
      idp.deactivate(tokens[0]!);
      let revoked = false;
      for (let attempt = 0; attempt < 100 && !revoked; attempt += 1) {
        revoked = await authn.client.revokeCredential({ headers: { authorization: `Bearer ${tokens[0]}` } }, { timeoutMs: 2_000 }).then(
          () => true,
          async () => (await sleep(100), false),
        );
      }
      expect(revoked).toBe(true);
      expect(await promoted.exists(...(await promoted.keys("gatehouse:identity:v3:*:revoked")))).toBe(1);
      const code = await ownerOf(0).then(
        () => "OK",
        (error: unknown) => Code[ConnectError.from(error).code],
      );
      expect(code).toBe("Unauthenticated");
      for (let n = 1; n < tokens.length; n += 1) expect(await ownerOf(n)).toBe(`user-${n}`);
      // New entries are written to the promoted master.
      const fresh = idp.issueOpaque({ sub: "after-failover", exp: now() + 600 }, "opaque-");
      const { thread } = await threads.createThread({ metadata: {} }, { headers: { authorization: `Bearer ${fresh}` } });
      expect(thread?.metadata?.owner).toBe("after-failover");
      let cached = 0;
      for (let attempt = 0; attempt < 50 && cached === 0; attempt += 1) {
        cached = (await promoted.keys("gatehouse:identity:v3:*")).length;
        if (cached === 0) await sleep(100);
      }
      expect(cached).toBeGreaterThan(0);
    } finally {
      promoted.disconnect();
    }
  });
});
