import type { HandlerContext } from "@connectrpc/connect";
import { rateLimitExceeded } from "@gatehouse/errors";
import type { CallerRateLimiter } from "@gatehouse/server";

/** The store's per-caller rate limit, and what it remembers of credentials that proved good. */
export interface CallerLimit {
  /**
   * Charges one request to its caller; throws RESOURCE_EXHAUSTED (reason
   * RATE_LIMITED, with a RetryInfo delay) when the caller is over its rate.
   * `cachedUser` says an identity cache holds a user for this credential.
   * An RPC that raises two events (CopyThread) is charged once.
   */
  charge(context: HandlerContext, credentialKey: string, cachedUser: boolean): void;
  /** Records that this credential authenticated a user, so its requests get a bucket of their own. */
  verified(credentialKey: string): void;
}

/** How long and how many proven credentials are remembered. */
export interface CallerLimitOptions {
  /** Default 10 minutes: past that, a credential's next request proves it again. */
  verifiedForMs?: number;
  /** Default 100 000; past that, the credential proven longest ago is forgotten first. */
  maxVerified?: number;
  now?: () => number;
}

/**
 * The store's per-caller rate limit. A caller is its credential key (the HMAC
 * the identity cache uses, never the raw token) once that credential is known
 * to authenticate a user: an identity cache holds one for it, or it proved
 * itself here lately. Otherwise, and without a credential, the caller is its
 * IP address. Keying unproven credentials by their own key would give a
 * client a fresh bucket with every made-up token, each of which costs an
 * authn call: so they share their source's bucket. The charge comes after
 * the cache lookups and before authn is asked. What proved good is also
 * remembered here, apart from the identity cache, so the limit keys the same
 * however short the cache's lifetimes are.
 */
export function createCallerLimit(limiter: CallerRateLimiter, credentialHeaders: readonly string[], options: CallerLimitOptions = {}): CallerLimit {
  const verifiedForMs = options.verifiedForMs ?? 600_000;
  const maxVerified = options.maxVerified ?? 100_000;
  const now = options.now ?? Date.now;
  const charged = new WeakSet<HandlerContext>();
  // Credential key → when it stops counting as proven; insertion order is proof order.
  const proven = new Map<string, number>();

  const isProven = (credentialKey: string) => {
    const until = proven.get(credentialKey);
    if (until === undefined) return false;
    if (until > now()) return true;
    proven.delete(credentialKey);
    return false;
  };

  return {
    charge(context, credentialKey, cachedUser) {
      if (charged.has(context)) return;
      charged.add(context);
      // Without a credential every caller has the same key: only the address tells them apart.
      const anonymous = credentialHeaders.every((name) => !context.requestHeader.has(name));
      const known = !anonymous && (cachedUser || isProven(credentialKey));
      const caller = known ? `credential:${credentialKey}` : `peer:${peerAddress(context)}`;
      const waitMs = limiter.take(caller);
      if (waitMs > 0) throw rateLimitExceeded(waitMs);
    },
    verified(credentialKey) {
      proven.delete(credentialKey);
      proven.set(credentialKey, now() + verifiedForMs);
      if (proven.size > maxVerified) proven.delete(proven.keys().next().value!);
    },
  };
}

/** The caller's address when the server exposes it (grpc-js does); in-memory transports have none. */
function peerAddress(context: HandlerContext): string {
  const address = (context as { peerAddress?: unknown }).peerAddress;
  return typeof address === "string" ? address : "unknown";
}
