import type { CachedIdentity } from "./cached-identity.js";

/**
 * The identity cache shared by every service and replica: Redis in
 * production, an in-process map when no REDIS_URL is given.
 */
export interface SharedIdentityStore {
  /** The entry under a key; undefined on a miss. Rejects when the store cannot answer. */
  get(key: string): Promise<CachedIdentity | undefined>;
  /** Stores an entry until its cacheUntil. */
  set(key: string, entry: CachedIdentity): Promise<void>;
  /** Removes an entry and tells every subscriber to drop it; resolves whether it existed. */
  revoke(key: string): Promise<boolean>;
  /** Calls `onRevoked` with every key any process revokes. */
  subscribeRevocations(onRevoked: (key: string) => void): Promise<void>;
  close(): Promise<void>;
}
