/**
 * The Redis identity store against a real Redis: a redis-server of this
 * file's own on a free loopback port, so the tests can pause, cut and stop
 * it without disturbing anything else using Redis.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { hasRedisServer, startPrivateRedis, type PrivateRedis } from "@gatehouse/redis/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CachedIdentity } from "./cached-identity.js";
import { createIdentityCache } from "./identity-cache.js";
import { createRedisIdentityStore, identityKey, sealIdentityEntry } from "./redis-identity-store.js";
import type { SharedIdentityStore } from "./shared-identity-store.js";

const user = (identity: string, cacheUntil: number): CachedIdentity => ({
  kind: "user",
  user: { identity, display_name: identity, is_authenticated: true, permissions: [] },
  cacheUntil,
});
const newKey = () => randomBytes(32).toString("hex");
const secret = randomBytes(32);
const connected = async (store: SharedIdentityStore) => {
  await store.connect();
  return store;
};
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!hasRedisServer)("createRedisIdentityStore on a real Redis", () => {
  let redis: PrivateRedis;
  let admin: Redis;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    admin = redis.admin();
  });

  afterAll(async () => redis?.stop());

  it("makes Redis expire the entry at its cacheUntil, in whole milliseconds, never later", async () => {
    const store = await connected(createRedisIdentityStore({ secret, url: redis.url, commandTimeoutMs: 500 }));
    const key = newKey();
    const cacheUntil = Date.now() + 1_234.9;
    await store.set(key, user("user1", cacheUntil));
    const before = Date.now();
    const ttl = await admin.pttl(identityKey(key));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(cacheUntil - before);
    await store.close();
  });

  it("reads never extend the TTL", async () => {
    const store = await connected(createRedisIdentityStore({ secret, url: redis.url, commandTimeoutMs: 500 }));
    const key = newKey();
    await store.set(key, user("user1", Date.now() + 10_000));
    const first = await admin.pttl(identityKey(key));
    for (let read = 0; read < 20; read += 1) await store.get(key);
    await settle(20);
    expect(await admin.pttl(identityKey(key))).toBeLessThan(first);
    await store.close();
  });

  it("does not store an entry whose life is already over", async () => {
    const store = await connected(createRedisIdentityStore({ secret, url: redis.url, commandTimeoutMs: 500 }));
    const key = newKey();
    await store.set(key, user("user1", Date.now() - 1));
    expect(await admin.exists(identityKey(key))).toBe(0);
    await store.close();
  });

  it("treats a value of an unknown shape as a failure, not as an identity", async () => {
    const store = await connected(createRedisIdentityStore({ secret, url: redis.url, commandTimeoutMs: 500 }));
    const key = newKey();
    const json = JSON.stringify({ kind: "user", user: "admin", cacheUntil: Date.now() + 60_000 });
    await admin.set(identityKey(key), sealIdentityEntry(secret, identityKey(key), json));
    await expect(store.get(key)).rejects.toThrow(/unknown shape/);
    await store.close();
  });

  it("refuses an entry whose identity was changed in Redis, its key kept", async () => {
    const store = await connected(createRedisIdentityStore({ secret, url: redis.url, commandTimeoutMs: 500 }));
    const key = newKey();
    await store.set(key, user("user1", Date.now() + 60_000));
    const stored = (await admin.get(identityKey(key)))!;
    const forged = stored.replace('"identity":"user1"', '"identity":"admin"');
    expect(forged).not.toBe(stored);
    await admin.set(identityKey(key), forged);
    await expect(store.get(key)).rejects.toThrow(/MAC does not match/);
    // An entry without a MAC, a valid entry moved to another key, and one sealed under another secret fail alike.
    await admin.set(identityKey(key), JSON.stringify(user("admin", Date.now() + 60_000)));
    await expect(store.get(key)).rejects.toThrow(/MAC does not match/);
    const other = newKey();
    await admin.set(identityKey(other), stored);
    await expect(store.get(other)).rejects.toThrow(/MAC does not match/);
    await admin.set(identityKey(key), sealIdentityEntry(randomBytes(32), identityKey(key), JSON.stringify(user("admin", Date.now() + 60_000))));
    await expect(store.get(key)).rejects.toThrow(/MAC does not match/);
    await store.close();
  });

  it("an identity cache treats a forged entry as a miss, so the credential is verified again", async () => {
    const cache = createIdentityCache({ shared: createRedisIdentityStore({ secret, url: redis.url, commandTimeoutMs: 500 }), l1TtlMs: 60_000, l1MaxEntries: 100 });
    await cache.start();
    const key = newKey();
    await admin.set(identityKey(key), JSON.stringify(user("admin", Date.now() + 60_000)));
    expect(await cache.lookup(key)).toBeUndefined();
    await cache.close();
  });

  it("revocation deletes the entry, and no process can store it as a user again until the hold ends", async () => {
    const store = await connected(createRedisIdentityStore({ secret, url: redis.url, commandTimeoutMs: 500, revocationHoldMs: 300 }));
    const key = newKey();
    await store.set(key, user("user1", Date.now() + 60_000));
    expect(await store.revoke(key)).toBe(true);
    expect(await store.get(key)).toBeUndefined();
    await store.set(key, user("user1", Date.now() + 60_000));
    expect(await store.get(key)).toBeUndefined();
    // A rejection is stored even now: it grants nothing and spares the provider.
    await store.set(key, { kind: "rejected", status: 401, message: "Invalid token", headers: {}, cacheUntil: Date.now() + 100 });
    expect(await store.get(key)).toMatchObject({ kind: "rejected" });
    await settle(350);
    await store.set(key, user("user1", Date.now() + 60_000));
    expect(await store.get(key)).toMatchObject({ kind: "user" });
    expect(await store.revoke(newKey())).toBe(false);
    await store.close();
  });

  it("a revocation through one cache drops the key from the L1 of another process's cache", async () => {
    const caches = [1, 2].map(() =>
      createIdentityCache({ shared: createRedisIdentityStore({ secret, url: redis.url, commandTimeoutMs: 500 }), l1TtlMs: 60_000, l1MaxEntries: 100 }),
    );
    await Promise.all(caches.map((cache) => cache.start()));
    const key = newKey();
    await caches[0]!.remember(key, user("user1", Date.now() + 60_000));
    expect(await caches[1]!.lookup(key)).toBeDefined();
    await caches[0]!.revoke(key);
    for (let wait = 0; wait < 50 && caches[1]!.lookupLocal(key) !== undefined; wait += 1) await settle(10);
    expect(caches[1]!.lookupLocal(key)).toBeUndefined();
    await Promise.all(caches.map((cache) => cache.close()));
  });

  it("when the subscription connection is cut, the cache clears its L1 once it has subscribed again", async () => {
    const cache = createIdentityCache({ shared: createRedisIdentityStore({ secret, url: redis.url, commandTimeoutMs: 500 }), l1TtlMs: 60_000, l1MaxEntries: 100 });
    await cache.start();
    const key = newKey();
    cache.rememberLocal(key, user("user1", Date.now() + 60_000));
    await admin.client("KILL", "TYPE", "pubsub");
    for (let wait = 0; wait < 100 && cache.lookupLocal(key) !== undefined; wait += 1) await settle(20);
    expect(cache.lookupLocal(key)).toBeUndefined();
    await cache.close();
  });

  it("a slow Redis answers within the command budget as a miss, and the lookup does not wait for it", async () => {
    const reports: unknown[] = [];
    const store = await connected(createRedisIdentityStore({ secret, url: redis.url, commandTimeoutMs: 50 }));
    const cache = createIdentityCache({ shared: store, l1TtlMs: 0, l1MaxEntries: 100, onSharedError: (error) => reports.push(error) });
    const key = newKey();
    await store.set(key, user("user1", Date.now() + 60_000));
    await admin.client("PAUSE", 1_000, "ALL");
    try {
      const started = Date.now();
      expect(await cache.lookup(key)).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(500);
      expect(reports).toHaveLength(1);
    } finally {
      await settle(1_000);
      await cache.close();
    }
  });

  it("starts within its wait when Redis is unreachable, and then serves every lookup as a miss", async () => {
    const cache = createIdentityCache({
      shared: createRedisIdentityStore({ secret, url: "redis://127.0.0.1:1", commandTimeoutMs: 50, startupWaitMs: 300 }),
      l1TtlMs: 5_000,
      l1MaxEntries: 100,
    });
    const started = Date.now();
    await cache.start();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await cache.lookup(newKey())).toBeUndefined();
    await cache.close();
  });

  it("with Redis stopped, lookups miss at once, writes are dropped without throwing, and revocation rejects", async () => {
    const own = await startPrivateRedis();
    const store = await connected(createRedisIdentityStore({ secret, url: own.url, commandTimeoutMs: 50 }));
    const cache = createIdentityCache({ shared: store, l1TtlMs: 0, l1MaxEntries: 100 });
    const key = newKey();
    await cache.remember(key, user("user1", Date.now() + 60_000));
    expect(await cache.lookup(key)).toBeDefined();
    await own.kill();
    await settle(100);
    const started = Date.now();
    expect(await cache.lookup(key)).toBeUndefined();
    await cache.remember(key, user("user1", Date.now() + 60_000));
    await expect(cache.revoke(key)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(500);
    await cache.close();
  });
});
