import type { CachedIdentity } from "./cached-identity.js";
import { L1Cache } from "./l1-cache.js";
import type { SharedIdentityStore } from "./shared-identity-store.js";

/** Options of the two-tier identity cache. */
export interface IdentityCacheOptions {
  shared: SharedIdentityStore;
  /** How long an entry may live in this process's L1. */
  l1TtlMs: number;
  l1MaxEntries: number;
  /** Told when the shared store fails; the lookup then counts as a miss. */
  onSharedError?: (error: unknown) => void;
}

/** The identity cache a service reads: in-process L1, then the shared store. */
export interface IdentityCache {
  /** The L1 entry, synchronously: the hot path of every request. */
  lookupLocal(key: string): CachedIdentity | undefined;
  /** L1, then the shared store. A shared-store failure is a miss, never a hit. */
  lookup(key: string): Promise<CachedIdentity | undefined>;
  /** Keeps an entry in L1 only. */
  rememberLocal(key: string, entry: CachedIdentity): void;
  /** Keeps an entry in L1 and the shared store; a shared-store failure is reported, not thrown. */
  remember(key: string, entry: CachedIdentity): Promise<void>;
  /** Removes the entry everywhere: the shared store and, through pub/sub, every L1. */
  revoke(key: string): Promise<boolean>;
  /** Subscribes this L1 to revocations. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createIdentityCache(options: IdentityCacheOptions): IdentityCache {
  const l1 = new L1Cache(options.l1TtlMs, options.l1MaxEntries);
  const report = options.onSharedError ?? (() => {});
  return {
    lookupLocal: (key) => l1.get(key),
    async lookup(key) {
      const local = l1.get(key);
      if (local !== undefined) return local;
      let entry: CachedIdentity | undefined;
      try {
        entry = await options.shared.get(key);
      } catch (error) {
        report(error);
        return undefined;
      }
      if (entry !== undefined) l1.set(key, entry);
      return entry;
    },
    rememberLocal: (key, entry) => l1.set(key, entry),
    async remember(key, entry) {
      l1.set(key, entry);
      try {
        await options.shared.set(key, entry);
      } catch (error) {
        report(error);
      }
    },
    async revoke(key) {
      l1.delete(key);
      return options.shared.revoke(key);
    },
    async start() {
      await options.shared.subscribeRevocations((key) => l1.delete(key));
    },
    close: () => options.shared.close(),
  };
}
