import type { HandlerContext } from "@connectrpc/connect";
import { rateLimitExceeded } from "@gatehouse/errors";
import type { CallerRateLimiter } from "@gatehouse/server";

/**
 * Charges one request to its caller and throws RESOURCE_EXHAUSTED (reason
 * RATE_LIMITED, with a RetryInfo delay) when the caller is over its rate.
 */
export type CallerLimit = (context: HandlerContext, credentialKey: string) => void;

/**
 * The store's per-caller rate limit. A caller is its credential key (the HMAC
 * the identity cache uses, never the raw token), or, for a request that
 * carries none of the credential headers, its IP address, so anonymous
 * floods share one bucket per source instead of one for everybody. It runs
 * before any cache lookup or authn call: a limited request costs nothing else.
 * An RPC that raises two events (CopyThread) is charged once.
 */
export function createCallerLimit(limiter: CallerRateLimiter, credentialHeaders: readonly string[]): CallerLimit {
  const charged = new WeakSet<HandlerContext>();
  return (context, credentialKey) => {
    if (charged.has(context)) return;
    charged.add(context);
    const anonymous = credentialHeaders.every((name) => !context.requestHeader.has(name));
    const caller = anonymous ? `peer:${peerAddress(context)}` : `credential:${credentialKey}`;
    const waitMs = limiter.take(caller);
    if (waitMs > 0) throw rateLimitExceeded(waitMs);
  };
}

/** The caller's address when the server exposes it (grpc-js does); in-memory transports have none. */
function peerAddress(context: HandlerContext): string {
  const address = (context as { peerAddress?: unknown }).peerAddress;
  return typeof address === "string" ? address : "unknown";
}
