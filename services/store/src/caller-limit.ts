import type { HandlerContext } from "@connectrpc/connect";
import { rateLimitExceeded } from "@gatehouse/errors";
import type { CallerRateLimiter, ProvenCredentials } from "@gatehouse/server";

/** The store's per-caller rate limit, and what it remembers of credentials that proved good. */
export interface CallerLimit {
  /**
   * Charges one request to its caller; throws RESOURCE_EXHAUSTED (reason
   * RATE_LIMITED, with a RetryInfo delay) when the caller is over its rate.
   * `cachedUser` says an identity cache holds a user for this credential.
   * An RPC that raises two events (CopyThread) is charged once.
   */
  charge(context: HandlerContext, credentialKey: string, cachedUser: boolean): Promise<void>;
  /** Records that this credential authenticated a user, so its requests get a bucket of their own. */
  verified(credentialKey: string): void;
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
export function createCallerLimit(limiter: CallerRateLimiter, credentialHeaders: readonly string[], proven: ProvenCredentials): CallerLimit {
  const charged = new WeakSet<HandlerContext>();
  return {
    async charge(context, credentialKey, cachedUser) {
      if (charged.has(context)) return;
      charged.add(context);
      // Without a credential every caller has the same key: only the address tells them apart.
      const anonymous = credentialHeaders.every((name) => !context.requestHeader.has(name));
      const known = !anonymous && (cachedUser || proven.has(credentialKey));
      const caller = known ? `credential:${credentialKey}` : `peer:${peerAddress(context)}`;
      const waitMs = await limiter.take(caller);
      if (waitMs > 0) throw rateLimitExceeded(waitMs);
    },
    verified: (credentialKey) => proven.add(credentialKey),
  };
}

/** The caller's address when the server exposes it (grpc-js does); in-memory transports have none. */
function peerAddress(context: HandlerContext): string {
  const address = (context as { peerAddress?: unknown }).peerAddress;
  return typeof address === "string" ? address : "unknown";
}
