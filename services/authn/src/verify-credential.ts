import { exceptionHeaders, InvalidUserError, isHttpException, normalizeUser, type AuthenticateCallback } from "@gatehouse/auth";
import { bindRequest, requestLineOf, type CachedIdentity } from "@gatehouse/identity";
import { InvalidExpiryError, readExpiry } from "./credential-expiry.js";
import { trackReads } from "./read-tracking.js";

/** What the authenticate callback is told about the client request (README "Your auth module"). */
export interface CredentialRequest {
  headers: Headers;
  method: string;
  path: string;
}

/** Cache lifetimes and the time budget applied to the callback. */
export interface VerifyOptions {
  ttlMs: number;
  rejectionTtlMs: number;
  /** How long the callback may run; its Request's signal aborts then. */
  timeoutMs: number;
  now?: () => number;
  /**
   * Binds the verdict to whatever else of the request the callback read
   * (see RequestBinding), under the cache secret. Unset: not tracked.
   */
  bind?: { secret: Buffer; credentialHeaders: readonly string[] };
}

/** The callback failed without an HTTPException: no verdict, the request fails closed. */
export class CallbackFailure extends Error {
  override readonly name = "CallbackFailure";
}

/** The callback ran past its time budget: no verdict. */
export class CallbackTimeout extends Error {
  override readonly name = "CallbackTimeout";
}

/**
 * The callback threw an HTTPException with a 5xx status, such as a verifier's
 * 503 when the identity provider is down: no verdict on the credential, so
 * nothing is cached, and the status reaches the caller (README "Errors").
 */
export class CallbackServerError extends Error {
  override readonly name = "CallbackServerError";
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string>,
    options: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Runs the authenticate callback on one request and turns its outcome into a
 * cache entry: a user, cached until the configured TTL or the credential's
 * own `expires_at`, whichever comes first; or a rejection for an
 * HTTPException with a 4xx status, cached for the rejection TTL. A 5xx
 * HTTPException throws CallbackServerError, running past the time budget
 * CallbackTimeout, and anything else (another error, a malformed user or
 * expiry) CallbackFailure; none of them is cached.
 */
export async function verifyCredential(
  callback: AuthenticateCallback | undefined,
  request: CredentialRequest,
  options: VerifyOptions,
): Promise<CachedIdentity> {
  const clock = options.now ?? Date.now;
  if (callback === undefined) {
    // No authenticate callback configured: every caller is the same anonymous user, and the handlers decide.
    return { kind: "user", user: normalizeUser({ identity: "anonymous", is_authenticated: false }), cacheUntil: clock() + options.ttlMs };
  }
  const controller = new AbortController();
  const tracked = trackReads(
    new Request(`http://gatehouse${request.path}`, { method: request.method, headers: request.headers, signal: controller.signal }),
  );
  // Called once the callback has answered, so every read it made is bound.
  const bound = () => {
    if (options.bind === undefined) return {};
    const { secret, credentialHeaders } = options.bind;
    const binding = bindRequest(secret, tracked.reads(), credentialHeaders, request.headers, requestLineOf(request.method, request.path));
    return binding === undefined ? {} : { binding };
  };
  let result: unknown;
  try {
    result = await withinBudget(() => callback(tracked.request), controller, options.timeoutMs);
  } catch (error) {
    if (error instanceof CallbackTimeout) throw error;
    if (isHttpException(error) && error.status < 500) {
      return {
        kind: "rejected",
        status: error.status,
        message: error.message,
        headers: exceptionHeaders(error),
        cacheUntil: clock() + options.rejectionTtlMs,
        ...bound(),
      };
    }
    if (isHttpException(error)) throw new CallbackServerError(error.status, error.message, exceptionHeaders(error), { cause: error });
    throw new CallbackFailure(`authenticate threw: ${String(error)}`, { cause: error });
  }
  try {
    const { result: user, expiresAtMs } = readExpiry(result);
    const now = clock();
    const cacheUntil = Math.floor(Math.min(now + options.ttlMs, expiresAtMs ?? Number.POSITIVE_INFINITY));
    return { kind: "user", user: normalizeUser(user), cacheUntil, ...bound() };
  } catch (error) {
    if (error instanceof InvalidUserError || error instanceof InvalidExpiryError) throw new CallbackFailure(error.message);
    throw error;
  }
}

/** Runs the callback, aborting the request's signal (through `controller`) when the budget runs out. */
async function withinBudget(run: () => unknown, controller: AbortController, timeoutMs: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new CallbackTimeout(`authenticate did not finish within ${timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(run), expired]);
  } finally {
    clearTimeout(timer);
  }
}
