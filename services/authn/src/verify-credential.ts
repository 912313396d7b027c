import { exceptionHeaders, InvalidUserError, isHttpException, normalizeUser, type AuthenticateCallback } from "@gatehouse/auth";
import type { CachedIdentity } from "@gatehouse/identity";

/** What the authenticate callback is told about the client request (SPEC §2). */
export interface CredentialRequest {
  headers: Headers;
  method: string;
  path: string;
}

/** Cache lifetimes applied to the callback's verdicts. */
export interface VerifyOptions {
  ttlMs: number;
  rejectionTtlMs: number;
  now?: () => number;
}

/** The callback failed without an HTTPException: no verdict, the request fails closed. */
export class CallbackFailure extends Error {
  override readonly name = "CallbackFailure";
}

/**
 * Runs the authenticate callback on one request and turns its outcome into a
 * cache entry: a user, or a rejection for an HTTPException with a 4xx status.
 * Anything else (a 5xx, another error, a malformed user) throws
 * CallbackFailure and is not cached.
 */
export async function verifyCredential(
  callback: AuthenticateCallback | undefined,
  request: CredentialRequest,
  options: VerifyOptions,
): Promise<CachedIdentity> {
  const now = (options.now ?? Date.now)();
  if (callback === undefined) {
    // No authenticate callback configured: every caller is the same anonymous user, and the handlers decide.
    return { kind: "user", user: normalizeUser({ identity: "anonymous", is_authenticated: false }), cacheUntil: now + options.ttlMs };
  }
  let result: unknown;
  try {
    result = await callback(new Request(`http://gatehouse${request.path}`, { method: request.method, headers: request.headers }));
  } catch (error) {
    if (isHttpException(error) && error.status < 500) {
      return {
        kind: "rejected",
        status: error.status,
        message: error.message,
        headers: exceptionHeaders(error),
        cacheUntil: now + options.rejectionTtlMs,
      };
    }
    throw new CallbackFailure(`authenticate threw: ${String(error)}`, { cause: error });
  }
  try {
    return { kind: "user", user: normalizeUser(result), cacheUntil: now + options.ttlMs };
  } catch (error) {
    if (error instanceof InvalidUserError) throw new CallbackFailure(error.message);
    throw error;
  }
}
