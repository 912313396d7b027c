import { Redis } from "ioredis";
import type { CachedIdentity } from "./cached-identity.js";
import type { SharedIdentityStore } from "./shared-identity-store.js";

const keyPrefix = "gatehouse:identity:v1:";
const revocationChannel = "gatehouse:identity:revoked:v1";

/** Options of the Redis identity store. */
export interface RedisIdentityStoreOptions {
  url: string;
  /** How long one Redis command may take before it counts as a miss. */
  commandTimeoutMs: number;
}

/**
 * The identity cache in Redis. Commands fail fast when Redis is down or slow
 * (no offline queue, a command timeout), so callers fall back to verifying
 * the credential directly instead of waiting; a failure is never a hit.
 */
export function createRedisIdentityStore(options: RedisIdentityStoreOptions): SharedIdentityStore {
  const connection = {
    enableOfflineQueue: false,
    commandTimeout: options.commandTimeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2_000),
  };
  const redis = new Redis(options.url, connection);
  redis.on("error", () => {
    // Reported per command as a rejected promise; reconnection is automatic.
  });
  let subscriber: Redis | undefined;
  return {
    async get(key) {
      const text = await redis.get(keyPrefix + key);
      if (text === null) return undefined;
      const entry = JSON.parse(text) as CachedIdentity;
      return entry.cacheUntil > Date.now() ? entry : undefined;
    },
    async set(key, entry) {
      const ttlMs = entry.cacheUntil - Date.now();
      if (ttlMs <= 0) return;
      await redis.set(keyPrefix + key, JSON.stringify(entry), "PX", ttlMs);
    },
    async revoke(key) {
      const removed = await redis.del(keyPrefix + key);
      await redis.publish(revocationChannel, key);
      return removed > 0;
    },
    async subscribeRevocations(onRevoked) {
      subscriber ??= new Redis(options.url, { ...connection, enableOfflineQueue: true, commandTimeout: undefined });
      subscriber.on("error", () => {});
      subscriber.on("message", (channel: string, key: string) => {
        if (channel === revocationChannel) onRevoked(key);
      });
      await subscriber.subscribe(revocationChannel);
    },
    async close() {
      redis.disconnect();
      subscriber?.disconnect();
    },
  };
}
