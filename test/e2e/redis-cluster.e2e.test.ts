/**
 * The identity cache on a Redis Cluster of this file's own: three masters,
 * each with a replica, on loopback. authn and two stores reach it through
 * REDIS_CLUSTER_NODES. Entries land in every slot, revocations published on
 * one node reach subscribers on every other, and a master killed with
 * SIGKILL under load (many users, revocations running) never lets a revoked
 * credential in nor answers with another user's identity.
 */
import { randomBytes } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ThreadService } from "@gatehouse/contracts";
import { createRedisIdentityStore, type CachedIdentity, type SharedIdentityStore } from "@gatehouse/identity";
import { methodsWithoutSideEffects, type ClosableTransport } from "@gatehouse/server";
import type { IdentityProvider } from "@gatehouse/verifiers/testing";
import type { AuthnClient } from "../support/authn-client.js";
import { startGatehouseOnSharedRedis } from "../support/gatehouse-on-shared-redis.js";
import { hasRedisTools, startPrivateRedisCluster, type PrivateRedisCluster } from "../support/redis-topologies.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => Math.floor(Date.now() / 1000);
const userCount = 40;
/** How long a revocation may take to reach every process's L1 by pub/sub after RevokeCredential answers. */
const propagationMs = 100;

const user = (identity: string, cacheUntil: number): CachedIdentity => ({
  kind: "user",
  user: { identity, display_name: identity, is_authenticated: true, permissions: [] },
  cacheUntil,
});

describe.skipIf(!hasRedisTools || !process.env.DATABASE_URL)("the identity cache on a Redis Cluster", () => {
  let redis: PrivateRedisCluster;

  beforeAll(async () => {
    redis = await startPrivateRedisCluster(3);
  }, 60_000);

  afterAll(async () => {
    await redis?.stop();
  });

  it("keeps entries in every slot, and a revocation published on one node reaches a subscriber on another", async () => {
    const secret = randomBytes(32);
    const connect = async (node: string) => {
      const [host, port] = node.split(":");
      const store = createRedisIdentityStore({
        target: { kind: "cluster", nodes: [{ host: host!, port: Number(port) }] },
        secret,
        commandTimeoutMs: 500,
        revocationReplicas: 1,
      });
      await store.connect();
      return store;
    };
    const [writer, reader] = await Promise.all([connect(redis.nodes[0]!.address), connect(redis.nodes[5]!.address)]);
    const stores: SharedIdentityStore[] = [writer, reader];
    try {
      // The reader subscribes on two nodes, so it may hear a revocation twice.
      const heard = new Set<string>();
      await reader.subscribeRevocations((key) => heard.add(key));
      const keys = Array.from({ length: 60 }, () => randomBytes(32).toString("hex"));
      for (const key of keys) await writer.set(key, user(`user-${key.slice(0, 8)}`, Date.now() + 60_000));
      // Every master holds some of them: the keys are spread over the slots.
      const perMaster = await Promise.all((await redis.masters()).map((node) => node.admin().dbsize()));
      expect(perMaster.every((count) => count > 0), `keys per master ${perMaster.join(", ")}`).toBe(true);
      for (const key of keys) expect(await reader.get(key)).toMatchObject({ kind: "user", user: { identity: `user-${key.slice(0, 8)}` } });

      for (const key of keys) expect(await writer.revoke(key)).toBe(true);
      for (let attempt = 0; attempt < 50 && heard.size < keys.length; attempt += 1) await sleep(20);
      expect(heard).toEqual(new Set(keys));
      for (const key of keys) {
        expect(await reader.get(key)).toBeUndefined();
        // The hold keeps a verification in flight from caching it again.
        await writer.set(key, user("again", Date.now() + 60_000));
        expect(await reader.get(key)).toBeUndefined();
      }
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  describe("with authn and two stores on it", () => {
    let idp: IdentityProvider;
    let authn: AuthnClient;
    let transport: ClosableTransport;
    let stop: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      ({ idp, authn, transport, stop } = await startGatehouseOnSharedRedis({
        env: { REDIS_CLUSTER_NODES: redis.nodeList },
        replicas: { store: 2 },
        storeTransport: (gatehouse) => ({ target: gatehouse.storeTarget, retryableMethods: methodsWithoutSideEffects([ThreadService]) }),
      }));
    }, 120_000);

    afterAll(async () => {
      await stop?.();
    });

    it("lets no revoked credential in and answers with no other user's identity while a master is killed under load", async () => {
      const threads = createClient(ThreadService, transport);
      const tokens = Array.from({ length: userCount }, (_, n) => idp.issueOpaque({ sub: `user-${n}`, exp: now() + 600 }, "opaque-"));
      const revokedAt = new Map<number, number>();
      // Users whose provider already says no: a rejection of them is right even before the revocation is acknowledged.
      const deactivated = new Set<number>();
      const wrongIdentity: string[] = [];
      const acceptedAfterRevocation: string[] = [];
      const acceptedWhileRevoking: number[] = [];
      const failures = new Map<string, number>();
      let served = 0;
      let servedAfterFailover = 0;
      let failedOver = false;
      let running = true;

      const check = (n: number, identity: string | undefined, started: number) => {
        served += 1;
        if (failedOver) servedAfterFailover += 1;
        if (identity !== `user-${n}`) wrongIdentity.push(`user-${n} was answered as ${identity}`);
        const revoked = revokedAt.get(n);
        if (revoked !== undefined && started > revoked + propagationMs) acceptedAfterRevocation.push(`user-${n}, ${started - revoked} ms after its revocation`);
        else if (revoked !== undefined && started > revoked) acceptedWhileRevoking.push(started - revoked);
      };
      const worker = async (w: number) => {
        for (let step = 0; running; step += 1) {
          const n = Math.floor(Math.random() * userCount);
          const authorization = `Bearer ${tokens[n]}`;
          const started = Date.now();
          try {
            if ((w + step) % 2 === 0) {
              const { thread } = await threads.createThread({ metadata: { probe: "cluster" } }, { headers: { authorization }, timeoutMs: 3_000 });
              check(n, thread?.metadata?.owner as string | undefined, started);
            } else {
              const answer = await authn.client.authenticate({ headers: { authorization }, method: "POST", path: "/gatehouse.store.v1.ThreadService/GetThread" }, { timeoutMs: 3_000 });
              if (answer.outcome.case === "user") check(n, answer.outcome.value.identity, started);
              else {
                const name = deactivated.has(n) ? "rejected (revoked)" : "rejected";
                failures.set(name, (failures.get(name) ?? 0) + 1);
              }
            }
          } catch (error) {
            const code = Code[ConnectError.from(error).code];
            const name = code === "Unauthenticated" && deactivated.has(n) ? "Unauthenticated (revoked)" : code;
            failures.set(name, (failures.get(name) ?? 0) + 1);
          }
        }
      };
      const revoker = async () => {
        // Half of the users are revoked one by one, 150 ms apart, across the failover.
        for (let n = 0; n < userCount / 2; n += 1) {
          deactivated.add(n);
          idp.deactivate(tokens[n]!);
          for (;;) {
            const done = await authn.client.revokeCredential({ headers: { authorization: `Bearer ${tokens[n]}` } }, { timeoutMs: 2_000 }).then(
              () => true,
              () => false,
            );
            if (done) break;
            await sleep(50);
          }
          revokedAt.set(n, Date.now());
          await sleep(150);
        }
      };

      const mastersBefore = await redis.masters();
      const workers = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
      const revocations = revoker();
      await sleep(1_500);
      const victim = mastersBefore[0]!;
      await victim.kill();
      const killedAt = Date.now();
      await redis.waitHealthy(15_000);
      const failoverMs = Date.now() - killedAt;
      failedOver = true;
      const revokedBeforeFailover = revokedAt.size;
      await Promise.all([revocations, sleep(2_000)]);
      running = false;
      await workers;

      const mastersAfter = await redis.masters();
      console.log(
        `killed master ${victim.address}; cluster healthy again after ${failoverMs} ms; masters now ${mastersAfter.map((node) => node.address).join(", ")}`,
        `\n${revokedBeforeFailover} users revoked before the cluster was healthy again, ${revokedAt.size - revokedBeforeFailover} after`,
        `\nserved ${served} (${servedAfterFailover} after the failover), revoked ${revokedAt.size} users, failures ${JSON.stringify(Object.fromEntries(failures))}`,
        `\naccepted within ${propagationMs} ms of a revocation's acknowledgement: ${acceptedWhileRevoking.length}`,
      );
      expect(mastersAfter.map((node) => node.address)).not.toContain(victim.address);
      expect(mastersAfter).toHaveLength(3);
      expect(wrongIdentity).toEqual([]);
      expect(acceptedAfterRevocation).toEqual([]);
      expect(revokedAt.size).toBe(userCount / 2);
      const unexpected = [...failures.keys()].filter((name) => !["Unavailable", "DeadlineExceeded", "Unauthenticated (revoked)", "rejected (revoked)"].includes(name));
      expect(unexpected, JSON.stringify(Object.fromEntries(failures))).toEqual([]);
      expect(servedAfterFailover).toBeGreaterThan(50);
    });
  });
});
