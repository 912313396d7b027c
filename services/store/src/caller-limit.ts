import type { HandlerContext } from "@connectrpc/connect";
import { rateLimitExceeded } from "@gatehouse/errors";
import type { CallerRateLimiter } from "@gatehouse/server";

/**
 * Charges one request to its caller and throws RESOURCE_EXHAUSTED (reason
 * RATE_LIMITED, with a RetryInfo delay) when the caller is over its rate.
 * `verified` says whether the credential is one this process already knows
 * to be good.
 */
export type CallerLimit = (context: HandlerContext, credentialKey: string, verified: boolean) => void;

/**
 * The store's per-caller rate limit. A caller is its credential key (the HMAC
 * the identity cache uses, never the raw token) once that credential is
 * known good; until then, and for a request without a credential, it is its
 * IP address. Keying unverified credentials by their own key would give a
 * client a fresh bucket with every made-up token, each of which costs an
 * authn call: so they share their source's bucket. The check runs before
 * the shared cache or authn is asked. An RPC that raises two events
 * (CopyThread) is charged once.
 */
export function createCallerLimit(limiter: CallerRateLimiter): CallerLimit {
  const charged = new WeakSet<HandlerContext>();
  return (context, credentialKey, verified) => {
    if (charged.has(context)) return;
    charged.add(context);
    const caller = verified ? `credential:${credentialKey}` : `peer:${peerAddress(context)}`;
    const waitMs = limiter.take(caller);
    if (waitMs > 0) throw rateLimitExceeded(waitMs);
  };
}

/** The caller's address when the server exposes it (grpc-js does); in-memory transports have none. */
function peerAddress(context: HandlerContext): string {
  const address = (context as { peerAddress?: unknown }).peerAddress;
  return typeof address === "string" ? address : "unknown";
}
