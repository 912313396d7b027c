import { getOption, type DescMethod } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Client, type HandlerContext } from "@connectrpc/connect";
import { auth_event, Effect, type AuthnService, type Decision } from "@gatehouse/contracts";
import { codeForHttpStatus, gatehouseError, internalError, unavailable } from "@gatehouse/errors";
import { FilterError, filterFromProto, matchAll, type FilterExpr, type JsonObject } from "@gatehouse/filters";
import {
  bindingFromProto,
  credentialKey,
  requestFingerprint,
  requestLineOf,
  reusableFor,
  SingleFlight,
  userFromProto,
  userToProto,
  type CachedIdentity,
  type IdentityCache,
  type IdentityConfig,
  type UserRecord,
} from "@gatehouse/identity";
import { requestTraceOf, traceHeaders, traceLogFields, type Logger } from "@gatehouse/server";
import type { Authorizer } from "./authz-batcher.js";
import type { CallerLimit } from "./caller-limit.js";
import type { IdentitySource } from "./store-metrics.js";

/** What a caller may do on this request, as decided by the handler that matched. */
export interface Access {
  user: UserRecord;
  /** The rows the caller may see; matchAll when the handler returned no filter. */
  filter: FilterExpr;
  /** value.metadata after the handler ran, to persist in place of the request's. */
  metadata: JsonObject | undefined;
  /** For store events, the item address (and value on put) after the handler ran. */
  item: { namespace: string[]; key: string; value: JsonObject | undefined } | undefined;
}

/** What the guard needs. */
export interface AccessGuardDeps {
  identity: IdentityConfig;
  cache: IdentityCache;
  authn: Client<typeof AuthnService>;
  authz: Authorizer;
  logger: Logger;
  /** The deadline of one authn or authz call, shortened to the caller's when that is sooner. */
  callTimeoutMs: number;
  /** Charges each request to its caller once the caches have been asked, before authn is; unset, no rate limit. */
  limitCaller?: CallerLimit;
  /** Told where each identity was found, for metrics. */
  onIdentity?: (source: IdentitySource) => void;
}

/** Authenticates and authorizes every store RPC. */
export interface AccessGuard {
  /**
   * Authenticates the caller, then asks authz about the event the RPC declares
   * (its `auth_event` option) with this value. Throws the client-visible error
   * on a rejected credential, a deny, or any failure to decide (fail closed).
   */
  authorize(context: HandlerContext, value: JsonObject): Promise<Access>;
  /**
   * The same for a second event an RPC raises besides its declared one, such
   * as threads:create for the new thread of CopyThread.
   */
  authorizeEvent(context: HandlerContext, event: `${string}:${string}`, value: JsonObject): Promise<Access>;
}

/** The event each method declares; a method without one cannot be served. */
export function authEventOf(method: DescMethod): { resource: string; action: string } {
  const event = getOption(method, auth_event);
  const [resource, action, ...rest] = event.split(":");
  if (!resource || !action || rest.length > 0) {
    throw new Error(`${method.parent.typeName}.${method.name} declares no auth_event option; every store RPC must`);
  }
  return { resource, action };
}

export function createAccessGuard(deps: AccessGuardDeps): AccessGuard {
  const events = new Map<DescMethod, { resource: string; action: string }>();
  const verifications = new SingleFlight<string, CachedIdentity>();

  function timeoutFor(context: HandlerContext): number {
    return Math.max(1, Math.min(deps.callTimeoutMs, context.timeoutMs() ?? deps.callTimeoutMs));
  }

  async function askAuthn(context: HandlerContext): Promise<CachedIdentity> {
    const headers: Record<string, string> = {};
    context.requestHeader.forEach((value, name) => {
      if (!name.startsWith("grpc-") && !name.startsWith(":")) headers[name] = value;
    });
    let response;
    try {
      response = await deps.authn.authenticate(
        { headers, method: "POST", path: context.url },
        { timeoutMs: timeoutFor(context), headers: traceHeaders(requestTraceOf(context)) },
      );
    } catch (error) {
      throw translateDependencyError(error, "authentication", deps.logger, context);
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

  async function authenticate(context: HandlerContext): Promise<UserRecord> {
    for (const name of deps.identity.credentialHeaders) {
      if ((context.requestHeader.get(name)?.length ?? 0) > deps.identity.maxCredentialBytes) {
        throw gatehouseError(Code.Unauthenticated, "CREDENTIAL_TOO_LARGE", `header ${name} is too large`);
      }
    }
    const key = credentialKey(deps.identity.secret, context.requestHeader, deps.identity.credentialHeaders);
    // gRPC calls reach authn as POST to their full method path.
    const line = requestLineOf("POST", context.url);
    // An entry whose verdict depends on other request details (RequestBinding) answers only requests that share them.
    const reusable = reusableFor(deps.identity.secret, context.requestHeader, line);
    let entry = reusable(deps.cache.lookupLocal(key));
    if (entry !== undefined) {
      deps.onIdentity?.("l1");
    } else {
      entry = reusable(await deps.cache.lookupShared(key));
      if (entry !== undefined) deps.onIdentity?.("shared");
    }
    // Before authn is asked: a credential no cache vouches for is charged to its source (see CallerLimit).
    await deps.limitCaller?.charge(context, key, entry?.kind === "user");
    if (entry === undefined) {
      deps.onIdentity?.("authn");
      // Shared only between requests authenticate could not tell apart, so none gets another's verdict or failure.
      const flight = `${key}:${requestFingerprint(deps.identity.secret, context.requestHeader, line)}`;
      entry = await verifications.run(flight, () => askAuthn(context));
      deps.cache.rememberLocal(key, entry);
    }
    if (entry.kind === "rejected") {
      throw gatehouseError(codeForHttpStatus(entry.status), "CREDENTIAL_REJECTED", entry.message, {}, entry.headers);
    }
    deps.limitCaller?.verified(key);
    return entry.user;
  }

  async function decideFor(context: HandlerContext, event: { resource: string; action: string }, value: JsonObject): Promise<Access> {
    const user = await authenticate(context);
    const trace = traceHeaders(requestTraceOf(context));
    let decision: Decision;
    try {
      decision = await deps.authz.authorize(
        {
          user: userToProto(user),
          resource: event.resource,
          action: event.action,
          value,
          requestId: trace["x-request-id"],
          traceparent: trace.traceparent,
        },
        timeoutFor(context),
      );
    } catch (error) {
      throw translateDependencyError(error, "authorization", deps.logger, context);
    }
    if (decision.effect !== Effect.ALLOW) {
      const denial = decision.denial;
      throw gatehouseError(
        codeForHttpStatus(denial?.httpStatus ?? 403),
        "PERMISSION_DENIED",
        denial?.message || "Forbidden",
        {},
        denial?.headers,
      );
    }
    let filter: FilterExpr;
    try {
      filter = decision.filter ? filterFromProto(decision.filter) : matchAll;
    } catch (error) {
      if (error instanceof FilterError) {
        deps.logger.error(
          { err: error, handler: decision.handlerKey, ...traceLogFields(requestTraceOf(context)) },
          "authz sent a filter this server cannot apply",
        );
        throw internalError();
      }
      throw error;
    }
    const item = decision.item;
    return {
      user,
      filter,
      metadata: decision.metadata,
      item: item ? { namespace: item.namespace, key: item.key, value: item.value } : undefined,
    };
  }

  return {
    authorize(context, value) {
      let event = events.get(context.method);
      if (event === undefined) {
        event = authEventOf(context.method);
        events.set(context.method, event);
      }
      return decideFor(context, event, value);
    },
    authorizeEvent(context, event, value) {
      const [resource, action] = event.split(":") as [string, string];
      return decideFor(context, { resource, action }, value);
    },
  };
}

/**
 * A downstream failure becomes our own error, never forwarded as is:
 * unreachable or slow means UNAVAILABLE / DEADLINE_EXCEEDED (retryable), and
 * anything else INTERNAL. Either way the request fails closed.
 */
function translateDependencyError(
  error: unknown,
  what: "authentication" | "authorization",
  logger: Logger,
  context: HandlerContext,
): ConnectError {
  const code = error instanceof ConnectError ? error.code : Code.Internal;
  if (code === Code.Unauthenticated && what === "authentication" && error instanceof ConnectError) {
    return gatehouseError(Code.Unauthenticated, "CREDENTIAL_REJECTED", error.rawMessage);
  }
  if (code === Code.Unavailable) return unavailable(`${what.toUpperCase()}_UNAVAILABLE`, `the ${what} service is unavailable`);
  if (code === Code.DeadlineExceeded) {
    return gatehouseError(Code.DeadlineExceeded, `${what.toUpperCase()}_TIMED_OUT`, `${what} did not finish in time`);
  }
  logger.error({ err: error, ...traceLogFields(requestTraceOf(context)) }, `${what} failed`);
  return gatehouseError(Code.Internal, `${what.toUpperCase()}_FAILED`, `${what} failed`);
}
