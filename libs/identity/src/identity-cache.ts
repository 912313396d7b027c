import { rateLimited } from "@gatehouse/server";
import type { CachedIdentity } from "./cached-identity.js";
import { L1Cache } from "./l1-cache.js";
import type { SharedIdentityStore } from "./shared-identity-store.js";

/** Options of the two-tier identity cache. */
export interface IdentityCacheOptions {
  shared: SharedIdentityStore;
  /** How long an entry may live in this process's L1. */
  l1TtlMs: number;
  l1MaxEntries: number;
  /**
   * Told when the shared store fails; the lookup then counts as a miss. Called
   * at most once per `sharedErrorIntervalMs`, with an IdentityCacheUnavailable
   * that counts the failures in between, so an outage does not log per request.
   */
  onSharedError?: (error: IdentityCacheUnavailable) => void;
  /** Told once when the shared store answers again after failing. */
  onSharedRecovered?: () => void;
  /** Least time between two onSharedError calls; default 10 000 ms. */
  sharedErrorIntervalMs?: number;
  now?: () => number;
}

/** The shared identity store failed, `failures` times since the last report. */
export class IdentityCacheUnavailable extends Error {
  override readonly name = "IdentityCacheUnavailable";
  constructor(
    readonly failures: number,
    cause: unknown,
  ) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(failures === 1 ? `the identity cache failed: ${detail}` : `the identity cache failed ${failures} times; the last: ${detail}`, { cause });
  }
}

/** The identity cache a service reads: in-process L1, then the shared store. */
export interface IdentityCache {
  /** The L1 entry, synchronously: the hot path of every request. */
  lookupLocal(key: string): CachedIdentity | undefined;
  /** L1, then the shared store. A shared-store failure is a miss, never a hit. */
  lookup(key: string): Promise<CachedIdentity | undefined>;
  /** The shared store alone (its entry then kept in L1), for when the L1 entry cannot serve. */
  lookupShared(key: string): Promise<CachedIdentity | undefined>;
  /** Keeps an entry in L1 only (unless the key is held after a revocation). */
  rememberLocal(key: string, entry: CachedIdentity): void;
  /** Keeps an entry in L1 and the shared store; a shared-store failure is reported, not thrown. */
  remember(key: string, entry: CachedIdentity): Promise<void>;
  /**
   * Removes the entry everywhere: the shared store and, through pub/sub,
   * every L1. Rejects when the shared store cannot be reached, so the caller
   * learns that the revocation did not happen (other L1s still drop the
   * entry within their TTL).
   */
  revoke(key: string): Promise<boolean>;
  /** Connects to the shared store and subscribes this L1 to revocations, waiting a bounded time for both. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The two-tier identity cache (README "Built-in verifiers", Keys and lifetimes). Reads never extend a lifetime:
 * L1 keeps an entry for min(L1 TTL, the entry's cacheUntil) from when it was
 * stored. A revocation drops the key from this L1 and holds it for the
 * shared store's revocationHoldMs, so a lookup or verification already in
 * flight cannot store the revoked identity again; a revocation subscription
 * that reconnects clears the L1, since messages may have been missed.
 */
export function createIdentityCache(options: IdentityCacheOptions): IdentityCache {
  const now = options.now ?? Date.now;
  const l1 = new L1Cache(options.l1TtlMs, options.l1MaxEntries, now);
  const holdMs = options.shared.revocationHoldMs;
  const onSharedError = options.onSharedError;
  let failures = 0;
  let failing = false;
  const reportLimited = rateLimited<unknown>(
    options.sharedErrorIntervalMs ?? 10_000,
    (error) => {
      const count = failures;
      failures = 0;
      onSharedError?.(new IdentityCacheUnavailable(count, error));
    },
    now,
  );
  const report = (error: unknown) => {
    failing = true;
    failures += 1;
    reportLimited(error);
  };
  const answered = () => {
    if (!failing) return;
    failing = false;
    options.onSharedRecovered?.();
  };

  async function lookupShared(key: string): Promise<CachedIdentity | undefined> {
    let entry: CachedIdentity | undefined;
    try {
      entry = await options.shared.get(key);
    } catch (error) {
      report(error);
      return undefined;
    }
    answered();
    if (entry !== undefined) l1.set(key, entry);
    return entry;
  }

  return {
    lookupLocal: (key) => l1.get(key),
    async lookup(key) {
      return l1.get(key) ?? lookupShared(key);
    },
    lookupShared,
    rememberLocal: (key, entry) => l1.set(key, entry),
    async remember(key, entry) {
      l1.set(key, entry);
      try {
        await options.shared.set(key, entry);
      } catch (error) {
        report(error);
        return;
      }
      answered();
    },
    async revoke(key) {
      l1.revoke(key, holdMs);
      return options.shared.revoke(key);
    },
    async start() {
      await Promise.all([
        options.shared.connect(),
        options.shared.subscribeRevocations(
          (key) => l1.revoke(key, holdMs),
          () => l1.clear(),
        ),
      ]);
    },
    close: () => options.shared.close(),
  };
}
