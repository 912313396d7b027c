import { EventEmitter } from "node:events";
import type { CachedIdentity } from "./cached-identity.js";
import type { SharedIdentityStore } from "./shared-identity-store.js";

/**
 * The shared identity store for a single process (`npm start` without
 * REDIS_URL): the services it runs share one instance. Same contract as the
 * Redis store, revocation hold included.
 */
export function createMemoryIdentityStore(now: () => number = Date.now, revocationHoldMs = 10_000): SharedIdentityStore {
  const entries = new Map<string, CachedIdentity>();
  const held = new Map<string, number>();
  const revocations = new EventEmitter();
  return {
    revocationHoldMs,
    async connect() {},
    async get(key) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (entry.cacheUntil <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry;
    },
    async set(key, entry) {
      const holdUntil = held.get(key);
      if (entry.kind === "user" && holdUntil !== undefined && holdUntil > now()) return;
      if (entry.cacheUntil > now()) entries.set(key, entry);
    },
    async revoke(key) {
      const existed = entries.delete(key);
      if (held.size > 10_000) for (const [heldKey, until] of held) if (until <= now()) held.delete(heldKey);
      if (revocationHoldMs > 0) held.set(key, now() + revocationHoldMs);
      revocations.emit("revoked", key);
      return existed;
    },
    async subscribeRevocations(onRevoked) {
      revocations.on("revoked", onRevoked);
    },
    async close() {
      entries.clear();
      held.clear();
      revocations.removeAllListeners();
    },
  };
}
