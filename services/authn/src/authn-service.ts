import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, type ServiceImpl } from "@connectrpc/connect";
import type { AuthenticateCallback } from "@gatehouse/auth";
import type { AuthnService } from "@gatehouse/contracts";
import { gatehouseError, internalError } from "@gatehouse/errors";
import { credentialKey, userToProto, type CachedIdentity, type IdentityCache, type IdentityConfig } from "@gatehouse/identity";
import type { Logger } from "@gatehouse/server";
import { CallbackFailure, verifyCredential } from "./verify-credential.js";

/** What the authn service needs. */
export interface AuthnServiceDeps {
  authenticate: AuthenticateCallback | undefined;
  cache: IdentityCache;
  identity: IdentityConfig;
  logger: Logger;
}

/**
 * AuthnService: verifies a credential once per cache lifetime. Concurrent
 * requests for one credential share one verification (single flight); the
 * verdict is written to the shared cache for every service and replica.
 */
export function createAuthnService(deps: AuthnServiceDeps): ServiceImpl<typeof AuthnService> {
  const inFlight = new Map<string, Promise<CachedIdentity>>();

  function verifyOnce(key: string, headers: Headers, method: string, path: string): Promise<CachedIdentity> {
    let pending = inFlight.get(key);
    if (pending === undefined) {
      pending = verifyCredential(deps.authenticate, { headers, method, path }, deps.identity)
        .then(async (entry) => {
          await deps.cache.remember(key, entry);
          return entry;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  }

  return {
    async authenticate(request) {
      const headers = toHeaders(request.headers, deps.identity.maxCredentialBytes);
      const key = credentialKey(deps.identity.secret, headers, deps.identity.credentialHeaders);
      let entry: CachedIdentity;
      try {
        entry = (await deps.cache.lookup(key)) ?? (await verifyOnce(key, headers, request.method || "POST", request.path || "/"));
      } catch (error) {
        if (error instanceof CallbackFailure) {
          deps.logger.error({ err: error, path: request.path }, "authenticate callback failed");
          throw internalError();
        }
        throw error;
      }
      if (entry.kind === "rejected") {
        return {
          outcome: { case: "rejection", value: { httpStatus: entry.status, message: entry.message, headers: entry.headers } },
        };
      }
      return { outcome: { case: "user", value: userToProto(entry.user) }, expiresAt: timestampFromMs(entry.cacheUntil) };
    },

    async revokeCredential(request) {
      const headers = toHeaders(request.headers, deps.identity.maxCredentialBytes);
      const key = credentialKey(deps.identity.secret, headers, deps.identity.credentialHeaders);
      return { removed: await deps.cache.revoke(key) };
    },
  };
}

/** Builds Fetch headers, refusing oversized or malformed ones before any parsing or crypto. */
function toHeaders(raw: Record<string, string>, maxBytes: number): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value.length > maxBytes) {
      throw gatehouseError(Code.Unauthenticated, "CREDENTIAL_TOO_LARGE", `header ${name} is longer than ${maxBytes} bytes`);
    }
    try {
      headers.set(name, value);
    } catch {
      throw gatehouseError(Code.Unauthenticated, "MALFORMED_HEADER", `header ${name} is malformed`);
    }
  }
  return headers;
}
