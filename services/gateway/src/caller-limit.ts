import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { credentialKey } from "@gatehouse/identity";
import type { CallerRateLimiter, ProvenCredentials } from "@gatehouse/server";
import { HttpError } from "./errors.js";

/** The gateway's per-caller rate limit, and what it learns of credentials the store accepted. */
export interface CallerLimit {
  /**
   * Charges one request to its caller; throws a 429 with Retry-After when the
   * caller is over its rate. Returns the request's credential key, for
   * `accepted`, when it carries a credential.
   */
  charge(request: IncomingMessage): Promise<string | undefined>;
  /** Records that the store answered a call made with this credential, so it authenticated a user. */
  accepted(credentialKey: string): void;
}

/**
 * The gateway's per-caller rate limit. A caller is the HMAC of its credential
 * headers, never the raw token, once the store has accepted that credential;
 * until then, and without a credential, it is the connection's IP address.
 * The gateway verifies nothing itself, so keying unproven credentials by
 * their own key would give a client a fresh bucket with every made-up token.
 * Behind a proxy the address is the proxy's, so such callers then share one
 * bucket. `secret` keys the HMAC: pass the cache secret when the limit is
 * shared through Redis, so every gateway replica names a credential alike.
 */
export function createCallerLimit(
  limiter: CallerRateLimiter,
  credentialHeaders: readonly string[],
  proven: ProvenCredentials,
  secret: Buffer = randomBytes(32),
): CallerLimit {
  return {
    async charge(request) {
      const headers = new Headers();
      for (const name of credentialHeaders) {
        const value = request.headers[name];
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      const key = credentialHeaders.some((name) => headers.has(name)) ? credentialKey(secret, headers, credentialHeaders) : undefined;
      const caller = key !== undefined && proven.has(key) ? `credential:${key}` : `peer:${request.socket.remoteAddress ?? "unknown"}`;
      const waitMs = await limiter.take(caller);
      if (waitMs > 0) throw tooManyRequests(waitMs);
      return key;
    },
    accepted: (key) => proven.add(key),
  };
}

/** 429 with a Retry-After in whole seconds (at least 1), as HTTP clients expect. */
export function tooManyRequests(waitMs: number): HttpError {
  return new HttpError(429, "too many requests; retry later", { "retry-after": String(Math.max(1, Math.ceil(waitMs / 1000))) });
}
