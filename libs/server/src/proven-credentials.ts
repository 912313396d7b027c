/** Credentials (by key, never raw) that lately authenticated a user, remembered for a while. */
export interface ProvenCredentials {
  has(credentialKey: string): boolean;
  /** Records, or renews, that this credential authenticated a user. */
  add(credentialKey: string): void;
}

/** How long and how many proven credentials are remembered. */
export interface ProvenCredentialsOptions {
  /** Default 10 minutes: past that, a credential's next request proves it again. */
  ttlMs?: number;
  /** Default 100 000; past that, the credential proven longest ago is forgotten first. */
  max?: number;
  now?: () => number;
}

/**
 * The memory a per-caller rate limit keys by: a credential gets a bucket of
 * its own only once it has authenticated a user, so a client cannot earn a
 * fresh bucket with every made-up token. Bounded in time and in size.
 */
export function createProvenCredentials(options: ProvenCredentialsOptions = {}): ProvenCredentials {
  const ttlMs = options.ttlMs ?? 600_000;
  const max = options.max ?? 100_000;
  const now = options.now ?? Date.now;
  // Credential key → when it stops counting as proven; insertion order is proof order.
  const proven = new Map<string, number>();
  return {
    has(credentialKey) {
      const until = proven.get(credentialKey);
      if (until === undefined) return false;
      if (until > now()) return true;
      proven.delete(credentialKey);
      return false;
    },
    add(credentialKey) {
      proven.delete(credentialKey);
      proven.set(credentialKey, now() + ttlMs);
      if (proven.size > max) proven.delete(proven.keys().next().value!);
    },
  };
}
