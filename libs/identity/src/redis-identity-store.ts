import { createHmac, timingSafeEqual } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import { isCachedIdentity, type CachedIdentity } from "./cached-identity.js";
import { createRedisClient, keepSubscribed, type KeptSubscription, type RedisTarget } from "@gatehouse/redis";
import type { SharedIdentityStore } from "./shared-identity-store.js";

const revocationChannel = "gatehouse:identity:revoked:v1";

/**
 * Where an identity lives: the HMAC in braces is a Redis Cluster hash tag,
 * so an entry and its revocation hold share a slot and one script can check
 * both. Only HMACs appear in keys, never a credential.
 */
export const identityKey = (key: string) => `gatehouse:identity:v3:{${key}}`;
const holdKey = (key: string) => `gatehouse:identity:v3:{${key}}:revoked`;

/**
 * The key of the entry MACs, derived from the cache secret so that the
 * secret's two uses (credential keys, entry MACs) never share a key.
 */
function macKey(secret: Buffer): Buffer {
  let key = macKeys.get(secret);
  if (key === undefined) {
    key = createHmac("sha256", secret).update("gatehouse identity entry mac v3").digest();
    macKeys.set(secret, key);
  }
  return key;
}

// Derived once per secret: every shared-cache read and write needs it.
const macKeys = new WeakMap<Buffer, Buffer>();

/** HMAC-SHA256 over the Redis key and the entry's JSON, so an entry cannot be edited or moved to another key. */
function entryMac(key: Buffer, redisKey: string, json: string): Buffer {
  return createHmac("sha256", key).update(redisKey).update("\n").update(json).digest();
}

/**
 * An entry as stored in Redis: `<base64url MAC>.<JSON>`. Anyone who can
 * write to Redis could otherwise change the identity inside an entry and be
 * taken for that user; without the cache secret they cannot make a MAC.
 */
export function sealIdentityEntry(secret: Buffer, redisKey: string, json: string): string {
  return `${entryMac(macKey(secret), redisKey, json).toString("base64url")}.${json}`;
}

/** The entry's JSON if its MAC holds for this Redis key, otherwise undefined. */
export function openIdentityEntry(secret: Buffer, redisKey: string, text: string): string | undefined {
  const dot = text.indexOf(".");
  if (dot < 0) return undefined;
  const json = text.slice(dot + 1);
  const given = Buffer.from(text.slice(0, dot), "base64url");
  const expected = entryMac(macKey(secret), redisKey, json);
  return given.length === expected.length && timingSafeEqual(given, expected) ? json : undefined;
}

/**
 * Stores an entry, unless it is a user and its key is held after a
 * revocation: one atomic step. (A rejection may always be stored: it grants
 * nothing, and it spares the provider while a revoked token keeps knocking.)
 * The expiry is absolute (PXAT, Redis 6.2+), so a command delayed in transit
 * cannot make an entry outlive its cacheUntil, as a relative PX would.
 */
const setUnlessHeld = `
if ARGV[3] == 'user' and redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
return 1`;

/**
 * Revokes in one atomic step: deletes the entry, holds the key, and publishes
 * it (PUBLISH reaches every node of a cluster, whichever node runs it).
 * Answers whether the entry existed and how many replicas the node has, so
 * the caller knows how many to WAIT for.
 */
const revokeHeld = `
local removed = redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
local replicas = tonumber(string.match(redis.call('INFO', 'replication'), 'connected_slaves:(%d+)')) or 0
return {removed, replicas}`;

type ScriptedRedis = (Redis | Cluster) & {
  setUnlessHeld(entryKey: string, holdKey: string, value: string, expiresAtMs: number, kind: CachedIdentity["kind"]): Promise<number>;
  revokeHeld(entryKey: string, holdKey: string, holdMs: number, channel: string, key: string): Promise<[number, number]>;
};

/** Options of the Redis identity store. */
export interface RedisIdentityStoreOptions {
  /** A standalone Redis; `target` names a cluster or Sentinels instead. */
  url?: string;
  target?: RedisTarget;
  /** The cache secret (GATEHOUSE_CACHE_SECRET): every entry carries a MAC under it, checked on every read. */
  secret: Buffer;
  /**
   * Replicas that must have a revocation before it counts as done (WAIT),
   * so a failover cannot promote a replica that still holds the revoked
   * identity; the revocation fails (and is retried by its caller) when they
   * do not confirm within the command timeout. A node with fewer replicas
   * connected waits for those it has: one with none has nothing a failover
   * could promote. Default 0.
   */
  revocationReplicas?: number;
  /** How long one Redis command may take before it counts as a miss. */
  commandTimeoutMs: number;
  /** After a revocation, how long the credential may not be cached again; default 10 000 ms. */
  revocationHoldMs?: number;
  /** How long start-up waits for Redis (commands and the revocation subscription) before serving without it; default 2 000 ms. */
  startupWaitMs?: number;
}

/**
 * The identity cache in Redis. Commands fail fast when Redis is down or slow
 * (no offline queue, a command timeout), so callers fall back to verifying
 * the credential directly instead of waiting; a failure is never a hit. Expiries
 * are set once, at write time, and reads never touch them.
 * Revocation deletes the entry, holds the key (see revocationHoldMs) and
 * publishes the key so every process drops it from its L1; when the
 * subscription reconnects, the subscriber is told that it may have missed
 * revocations. Every entry is sealed with a MAC over its key and value
 * (sealIdentityEntry); one that fails the check is an error, never an
 * identity, so the cache reports it and the credential is verified again.
 * Needs Redis 6.2 or later (SET ... PXAT).
 */
export function createRedisIdentityStore(options: RedisIdentityStoreOptions): SharedIdentityStore {
  if (options.target === undefined && options.url === undefined) throw new Error("the Redis identity store needs a url or a target");
  const target: RedisTarget = options.target ?? { kind: "standalone", url: options.url! };
  const redis = createRedisClient(target, { commandTimeoutMs: options.commandTimeoutMs }) as ScriptedRedis;
  redis.defineCommand("setUnlessHeld", { numberOfKeys: 2, lua: setUnlessHeld });
  redis.defineCommand("revokeHeld", { numberOfKeys: 2, lua: revokeHeld });
  const revocationReplicas = options.revocationReplicas ?? 0;
  // WAIT answers within its own timeout, which must come before the command timeout cuts it off.
  const waitMs = Math.max(1, Math.floor(options.commandTimeoutMs * 0.6));
  redis.on("error", () => {
    // Reported per command as a rejected promise; reconnection is automatic.
  });
  const revocationHoldMs = options.revocationHoldMs ?? 10_000;
  let subscriptions: KeptSubscription[] = [];
  const startWaitMs = options.startupWaitMs ?? 2_000;
  return {
    revocationHoldMs,
    connect: () => (redis.status === "ready" ? Promise.resolve() : withinWait(new Promise((resolve) => redis.once("ready", resolve)), startWaitMs)),
    async get(key) {
      const redisKey = identityKey(key);
      const text = await redis.get(redisKey);
      if (text === null) return undefined;
      const json = openIdentityEntry(options.secret, redisKey, text);
      if (json === undefined) throw new Error("the identity cache holds an entry whose MAC does not match: ignored");
      const entry: unknown = JSON.parse(json);
      if (!isCachedIdentity(entry)) throw new Error("the identity cache holds an entry of an unknown shape");
      return entry.cacheUntil > Date.now() ? entry : undefined;
    },
    async set(key, entry) {
      // PXAT takes whole milliseconds; rounding down keeps the entry within the credential's expiry.
      const expiresAtMs = Math.floor(entry.cacheUntil);
      if (expiresAtMs <= Date.now()) return;
      const redisKey = identityKey(key);
      await redis.setUnlessHeld(redisKey, holdKey(key), sealIdentityEntry(options.secret, redisKey, JSON.stringify(entry)), expiresAtMs, entry.kind);
    },
    async revoke(key) {
      const [removed, replicas] = await redis.revokeHeld(identityKey(key), holdKey(key), Math.max(1, revocationHoldMs), revocationChannel, key);
      const needed = Math.min(revocationReplicas, replicas);
      if (needed > 0) {
        // The hold key routes WAIT to the node that owns the key's slot, in a cluster as on one Redis.
        const results = await redis.pipeline().pttl(holdKey(key)).wait(needed, waitMs).exec();
        const failed = results?.find(([error]) => error !== null)?.[0];
        if (results === null || failed) throw failed ?? new Error("the revocation's replication check was discarded");
        if (results[0]![1] === -2) throw new Error("the revocation was lost in a failover");
        if (Number(results[1]![1]) < needed) throw new Error(`the revocation reached ${String(results[1]![1])} of ${needed} replicas in time`);
      }
      return removed === 1;
    },
    async subscribeRevocations(onRevoked, onMissed) {
      let started = false;
      let firstSubscribed: () => void = () => {};
      const subscribed = new Promise<void>((resolve) => (firstSubscribed = resolve));
      const handlers = {
        onMessage: onRevoked,
        onSubscribed: () => {
          // A subscription made after start-up, or after a reconnection, may have missed revocations.
          if (started) onMissed?.();
          firstSubscribed();
        },
        knownNodes: () => (target.kind === "cluster" ? (redis as Cluster).nodes("all").map(({ options: node }) => ({ host: node.host!, port: node.port! })) : []),
      };
      // On a cluster or behind Sentinels, two subscribers on different nodes: when one node dies, the
      // other still hears every revocation, so no L1 keeps vouching for a credential revoked meanwhile.
      subscriptions = (target.kind === "standalone" ? [0] : [0, 1]).map((firstTurn) => keepSubscribed(target, revocationChannel, { ...handlers, firstTurn }));
      await withinWait(subscribed, startWaitMs);
      started = true;
    },
    async close() {
      redis.disconnect();
      for (const subscription of subscriptions) subscription.close();
    },
  };
}

/** Waits for a promise, but no longer than waitMs. */
async function withinWait(promise: Promise<unknown>, waitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
  clearTimeout(timer);
}
