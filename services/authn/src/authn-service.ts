import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, type ServiceImpl } from "@connectrpc/connect";
import type { AuthenticateCallback } from "@gatehouse/auth";
import type { AuthnService } from "@gatehouse/contracts";
import { ErrorReason, gatehouseError, httpStatusError, internalError, unavailable } from "@gatehouse/errors";
import {
  bindingToProto,
  createIdentityResolver,
  credentialKey,
  requestLineOf,
  userToProto,
  type CachedIdentity,
  type IdentityCache,
  type IdentityConfig,
  type IdentityTier,
} from "@gatehouse/identity";
import { rateLimited, requestTraceOf, traceLogFields, type Logger, type RequestTrace } from "@gatehouse/server";
import { requestLine, toHeaders } from "./request-headers.js";
import { CallbackFailure, CallbackServerError, CallbackTimeout, verifyCredential, type CredentialRequest } from "./verify-credential.js";

/** What the authn service needs. */
export interface AuthnServiceDeps {
  authenticate: AuthenticateCallback | undefined;
  cache: IdentityCache;
  identity: IdentityConfig;
  logger: Logger;
  /** The authenticate callback's time budget (GATEHOUSE_AUTHENTICATE_TIMEOUT_MS); default 2 000 ms. */
  authenticateTimeoutMs?: number;
  /** Told which tier answered each lookup (a miss of both is "verify"), for metrics. */
  onIdentity?: (tier: IdentityTier) => void;
}

/**
 * AuthnService: verifies a credential once per cache lifetime. Concurrent
 * requests for one credential that a callback could not tell apart (the same
 * headers and request line) share one verification (single flight); the
 * verdict is written to the shared cache for every service and replica, and
 * never cached past the credential's own expiry. When the cache cannot
 * answer, the credential is verified directly: a cache failure costs a
 * verification, never access.
 */
export function createAuthnService(deps: AuthnServiceDeps): ServiceImpl<typeof AuthnService> {
  const { secret, credentialHeaders } = deps.identity;
  const verifyOptions = {
    ttlMs: deps.identity.ttlMs,
    rejectionTtlMs: deps.identity.rejectionTtlMs,
    timeoutMs: deps.authenticateTimeoutMs ?? 2_000,
    bind: { secret, credentialHeaders },
  };
  // An identity-provider outage fails every request for a while: one warning per interval, not one per request.
  const warnNoVerdict = rateLimited<{ error: Error; path: string; trace: RequestTrace }>(10_000, ({ error, path, trace }, suppressed) =>
    deps.logger.warn({ err: error, path, suppressed, ...traceLogFields(trace) }, "authenticate gave no verdict"),
  );

  async function verifyAndRemember(key: string, request: CredentialRequest, trace: RequestTrace): Promise<CachedIdentity> {
    let entry: CachedIdentity;
    try {
      entry = await verifyCredential(deps.authenticate, request, verifyOptions);
    } catch (error) {
      logNoVerdict(error, request.path, trace);
      throw error;
    }
    await deps.cache.remember(key, entry);
    deps.logger.debug({ path: request.path, outcome: entry.kind, ...traceLogFields(trace) }, "credential verified");
    return entry;
  }

  const resolver = createIdentityResolver<{ credential: CredentialRequest; trace: RequestTrace }>({
    secret,
    cache: deps.cache,
    verify: (key, { credential, trace }) => verifyAndRemember(key, credential, trace),
    onTier: deps.onIdentity,
  });

  /** Logs once per verification, not once per request that waited on it. */
  function logNoVerdict(error: unknown, path: string, trace: RequestTrace): void {
    if (error instanceof CallbackServerError || error instanceof CallbackTimeout) warnNoVerdict({ error, path, trace });
    else deps.logger.error({ err: error, path, ...traceLogFields(trace) }, "authenticate callback failed");
  }

  return {
    async authenticate(request, context) {
      const headers = toHeaders(request.headers, deps.identity.maxCredentialBytes);
      const { method, path } = requestLine(request.method, request.path);
      const key = credentialKey(secret, headers, credentialHeaders);
      const line = requestLineOf(method, path);
      let entry: CachedIdentity;
      try {
        entry = await resolver.resolve({ key, headers, line, request: { credential: { headers, method, path }, trace: requestTraceOf(context) } });
      } catch (error) {
        throw noVerdict(error);
      }
      const binding = entry.binding && bindingToProto(entry.binding);
      if (entry.kind === "rejected") {
        return {
          outcome: { case: "rejection", value: { httpStatus: entry.status, message: entry.message, headers: entry.headers } },
          binding,
        };
      }
      return { outcome: { case: "user", value: userToProto(entry.user) }, expiresAt: timestampFromMs(entry.cacheUntil), binding };
    },

    async revokeCredential(request, context) {
      const headers = toHeaders(request.headers, deps.identity.maxCredentialBytes);
      const key = credentialKey(secret, headers, credentialHeaders);
      try {
        return { removed: await deps.cache.revoke(key) };
      } catch (error) {
        deps.logger.error({ err: error, ...traceLogFields(requestTraceOf(context)) }, "revocation failed: the identity cache is unavailable");
        throw unavailable(ErrorReason.IDENTITY_CACHE_UNAVAILABLE, "the identity cache is unavailable; the credential was not revoked, retry");
      }
    },
  };

  /** Maps a callback that gave no verdict to the caller's error, never caching it (README "Errors"). */
  function noVerdict(error: unknown): unknown {
    if (error instanceof CallbackServerError) {
      const reason = error.status === 503 ? ErrorReason.IDENTITY_PROVIDER_UNAVAILABLE : ErrorReason.AUTHENTICATE_FAILED;
      return httpStatusError(error.status, reason, error.message, error.headers);
    }
    if (error instanceof CallbackTimeout) {
      return gatehouseError(Code.DeadlineExceeded, ErrorReason.AUTHENTICATE_TIMED_OUT, error.message);
    }
    if (error instanceof CallbackFailure) return internalError();
    return error;
  }
}
