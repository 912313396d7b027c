import { EventEmitter } from "node:events";
import type { CachedIdentity } from "./cached-identity.js";
import type { SharedIdentityStore } from "./shared-identity-store.js";

/**
 * The shared identity store for a single process (`npm start` without
 * REDIS_URL): the services it runs share one instance.
 */
export function createMemoryIdentityStore(now: () => number = Date.now): SharedIdentityStore {
  const entries = new Map<string, CachedIdentity>();
  const revocations = new EventEmitter();
  return {
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
      if (entry.cacheUntil > now()) entries.set(key, entry);
    },
    async revoke(key) {
      const existed = entries.delete(key);
      revocations.emit("revoked", key);
      return existed;
    },
    async subscribeRevocations(onRevoked) {
      revocations.on("revoked", onRevoked);
    },
    async close() {
      entries.clear();
      revocations.removeAllListeners();
    },
  };
}
