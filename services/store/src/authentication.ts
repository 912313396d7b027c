import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, type Client, type HandlerContext } from "@connectrpc/connect";
import type { AuthnService } from "@gatehouse/contracts";
import { ErrorReason, gatehouseError, httpStatusError, internalError } from "@gatehouse/errors";
import {
  bindingFromProto,
  createIdentityResolver,
  credentialKey,
  requestLineOf,
  userFromProto,
  type CachedIdentity,
  type IdentityCache,
  type IdentityConfig,
  type UserRecord,
} from "@gatehouse/identity";
import { requestTraceOf, traceHeaders, type Logger } from "@gatehouse/server";
import type { CallerLimit } from "./caller-limit.js";
import { dependencyError, timeoutFor } from "./dependency-error.js";
import type { IdentitySource } from "./store-metrics.js";

/** What authentication needs. */
export interface AuthenticationDeps {
  identity: IdentityConfig;
  cache: IdentityCache;
  authn: Client<typeof AuthnService>;
  logger: Logger;
  /** The deadline of one authn call, shortened to the caller's when that is sooner. */
  callTimeoutMs: number;
  /** Charges each request to its caller once the caches have been asked, before authn is; unset, no rate limit. */
  limitCaller?: CallerLimit;
  /** Told where each identity was found, for metrics. */
  onIdentity?: (source: IdentitySource) => void;
}

/** Says who is calling: the user a request's credential belongs to, or the client-visible error. */
export type Authenticate = (context: HandlerContext) => Promise<UserRecord>;

/**
 * The store's authentication: the identity caches first, then authn, through
 * the identity resolver authn itself uses. A rejected credential, or a failure
 * to get any verdict, is an error: the request fails closed.
 */
export function createAuthentication(deps: AuthenticationDeps): Authenticate {
  const resolver = createIdentityResolver<HandlerContext>({
    secret: deps.identity.secret,
    cache: deps.cache,
    async verify(key, context) {
      const entry = await askAuthn(context);
      deps.cache.rememberLocal(key, entry);
      return entry;
    },
    onTier: deps.onIdentity && ((tier) => deps.onIdentity!(tier === "verify" ? "authn" : tier)),
  });

  async function askAuthn(context: HandlerContext): Promise<CachedIdentity> {
    const headers: Record<string, string> = {};
    context.requestHeader.forEach((value, name) => {
      if (!name.startsWith("grpc-") && !name.startsWith(":")) headers[name] = value;
    });
    let response;
    try {
      response = await deps.authn.authenticate(
        { headers, method: "POST", path: context.url },
        { timeoutMs: timeoutFor(context, deps.callTimeoutMs), headers: traceHeaders(requestTraceOf(context)) },
      );
    } catch (error) {
      throw dependencyError(error, "authentication", deps.logger, requestTraceOf(context));
    }
    const { outcome } = response;
    const binding = bindingFromProto(response.binding);
    const bound = binding === undefined ? {} : { binding };
    if (outcome.case === "user") {
      // authn always sets expires_at; without it the entry is not cached.
      const cacheUntil = response.expiresAt ? timestampMs(response.expiresAt) : 0;
      return { kind: "user", user: userFromProto(outcome.value), cacheUntil, ...bound };
    }
    if (outcome.case === "rejection") {
      const { httpStatus, message, headers: rejectionHeaders } = outcome.value;
      return { kind: "rejected", status: httpStatus, message, headers: rejectionHeaders, cacheUntil: Date.now() + deps.identity.rejectionTtlMs, ...bound };
    }
    throw internalError();
  }

  return async (context) => {
    for (const name of deps.identity.credentialHeaders) {
      if ((context.requestHeader.get(name)?.length ?? 0) > deps.identity.maxCredentialBytes) {
        // RFC 6750 §3.1: a malformed request gets an invalid_request challenge, like any other 401.
        throw gatehouseError(Code.Unauthenticated, ErrorReason.CREDENTIAL_TOO_LARGE, `header ${name} is too large`, {}, {
          "www-authenticate": 'Bearer error="invalid_request"',
        });
      }
    }
    const key = credentialKey(deps.identity.secret, context.requestHeader, deps.identity.credentialHeaders);
    const entry = await resolver.resolve({
      key,
      headers: context.requestHeader,
      // gRPC calls reach authn as POST to their full method path.
      line: requestLineOf("POST", context.url),
      request: context,
      // Before authn is asked: a credential no cache vouches for is charged to its source (see CallerLimit).
      afterLookup: (cached) => deps.limitCaller?.charge(context, key, cached?.kind === "user"),
    });
    if (entry.kind === "rejected") {
      throw httpStatusError(entry.status, ErrorReason.CREDENTIAL_REJECTED, entry.message, entry.headers);
    }
    deps.limitCaller?.verified(key);
    return entry.user;
  };
}
