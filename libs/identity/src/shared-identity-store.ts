import type { CachedIdentity } from "./cached-identity.js";

/**
 * The identity cache shared by every service and replica: Redis in
 * production, an in-process map when no REDIS_URL is given.
 */
export interface SharedIdentityStore {
  /**
   * After a revocation, how long no process may cache the credential as a
   * valid identity again (a rejection may be cached).
   * It outlasts any verification that was already in flight when the
   * revocation happened, so such a verification cannot put the revoked
   * identity back into a cache.
   */
  readonly revocationHoldMs: number;
  /**
   * Waits, for a bounded time, until the store can answer, so requests right
   * after start-up use it. Resolves either way: a store that is down is a
   * cache miss, not a reason to stop serving.
   */
  connect(): Promise<void>;
  /** The entry under a key; undefined on a miss. Rejects when the store cannot answer. */
  get(key: string): Promise<CachedIdentity | undefined>;
  /** Stores an entry until its cacheUntil; a user is not stored while its key is held after a revocation. */
  set(key: string, entry: CachedIdentity): Promise<void>;
  /** Removes an entry, holds the key, and tells every subscriber to drop it; resolves whether it existed. */
  revoke(key: string): Promise<boolean>;
  /**
   * Calls `onRevoked` with every key any process revokes, and `onMissed`
   * when revocations may have been missed (the subscription was down), so
   * the subscriber can drop everything it holds.
   */
  subscribeRevocations(onRevoked: (key: string) => void, onMissed?: () => void): Promise<void>;
  close(): Promise<void>;
}
