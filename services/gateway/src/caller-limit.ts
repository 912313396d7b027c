import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { credentialKey } from "@gatehouse/identity";
import type { CallerRateLimiter } from "@gatehouse/server";
import { HttpError } from "./errors.js";

/** Charges one request to its caller; throws a 429 with Retry-After when the caller is over its rate. */
export type CallerLimit = (request: IncomingMessage) => void;

/**
 * The gateway's per-caller rate limit. A caller is the HMAC of its credential
 * headers (the store's credential key, under a secret of this process only,
 * since the key never leaves it), never the raw token; a request with none of
 * those headers is keyed by the connection's IP address. Behind a proxy that
 * address is the proxy's, so anonymous callers then share one bucket.
 */
export function createCallerLimit(limiter: CallerRateLimiter, credentialHeaders: readonly string[]): CallerLimit {
  const secret = randomBytes(32);
  return (request) => {
    const headers = new Headers();
    let anonymous = true;
    for (const name of credentialHeaders) {
      const value = request.headers[name];
      if (value === undefined) continue;
      headers.set(name, Array.isArray(value) ? value.join(", ") : value);
      anonymous = false;
    }
    const caller = anonymous
      ? `peer:${request.socket.remoteAddress ?? "unknown"}`
      : `credential:${credentialKey(secret, headers, credentialHeaders)}`;
    const waitMs = limiter.take(caller);
    if (waitMs > 0) throw tooManyRequests(waitMs);
  };
}

/** 429 with a Retry-After in whole seconds (at least 1), as HTTP clients expect. */
export function tooManyRequests(waitMs: number): HttpError {
  return new HttpError(429, "too many requests; retry later", { "retry-after": String(Math.max(1, Math.ceil(waitMs / 1000))) });
}
