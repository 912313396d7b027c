import type { HandlerContext } from "@connectrpc/connect";
import type { Resource } from "@gatehouse/auth";
import { Effect, type Decision } from "@gatehouse/contracts";
import { ErrorReason, httpStatusError, internalError } from "@gatehouse/errors";
import { FilterError, filterFromProto, matchAll, type FilterExpr, type JsonObject } from "@gatehouse/filters";
import { userToProto, type UserRecord } from "@gatehouse/identity";
import { requestTraceOf, traceFromHeaders, traceHeaders, traceLogFields, type Logger, type RequestTrace } from "@gatehouse/server";
import type { Authenticate } from "./authentication.js";
import type { Authorizer } from "./authz-batcher.js";
import { dependencyError, timeoutFor } from "./dependency-error.js";

/** The item address (and value on put) a store handler left. */
export interface ItemTarget {
  namespace: string[];
  key: string;
  value: JsonObject | undefined;
}

// Only this module holds it, so only the guard below can make an Access.
const minted = Symbol("access");

/**
 * What a caller may do on one resource for this request, as decided by the
 * handler that matched. Only the guard makes one, and the repositories take
 * one instead of a filter, so a statement cannot run on a resource the guard
 * was not asked about: skipping the guard does not compile.
 */
export class Access<R extends Resource> {
  readonly #filter: FilterExpr;

  /** @internal Made by the guard only; the token is private to this module. */
  constructor(
    token: typeof minted,
    /** The resource the decision is about. */
    readonly resource: R,
    /** Who is calling. */
    readonly user: UserRecord,
    filter: FilterExpr,
    /** value.metadata after the handler ran, to persist in place of the request's. */
    readonly metadata: JsonObject | undefined,
    /** For store events, where the handler says the request applies. */
    readonly item: ItemTarget | undefined,
  ) {
    if (token !== minted) throw new Error("an Access is made by the access guard only");
    this.#filter = filter;
  }

  /** The rows the caller may see (matchAll when the handler returned no filter); read by sql/visible.ts. */
  static filterOf(access: Access<Resource>): FilterExpr {
    return access.#filter;
  }
}

/** What authorization needs. */
export interface AuthorizationDeps {
  authenticate: Authenticate;
  authz: Authorizer;
  logger: Logger;
  /** The deadline of one authz call, shortened to the caller's when that is sooner. */
  callTimeoutMs: number;
}

/** Decides what a caller may do: the only maker of Access. */
export interface AccessGuard {
  /**
   * Says who is calling, and nothing about what they may do: it makes no
   * Access, so no repository can be reached with its answer. Throws the
   * client-visible error on a rejected credential or a failure to decide,
   * exactly as authorize does. For RPCs that raise no auth event
   * (authenticated-service.ts).
   */
  authenticate(context: HandlerContext): Promise<UserRecord>;
  /**
   * Authenticates the caller, then asks authz about the event with this
   * value. Throws the client-visible error on a rejected credential, a deny,
   * or any failure to decide (fail closed).
   */
  authorize<R extends Resource>(context: HandlerContext, event: { resource: R; action: string }, value: JsonObject): Promise<Access<R>>;
}

/** One authz decision for a known user, turned into an Access; `failed` turns a failure to decide into the error to throw. */
async function decide<R extends Resource>(
  deps: Omit<AuthorizationDeps, "authenticate">,
  user: UserRecord,
  call: { trace: RequestTrace; timeoutMs: number; failed: (error: unknown) => Error },
  event: { resource: R; action: string },
  value: JsonObject,
): Promise<Access<R>> {
  const trace = traceHeaders(call.trace);
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
      call.timeoutMs,
    );
  } catch (error) {
    throw call.failed(error);
  }
  if (decision.effect !== Effect.ALLOW) {
    const denial = decision.denial;
    throw httpStatusError(denial?.httpStatus ?? 403, ErrorReason.PERMISSION_DENIED, denial?.message || "Forbidden", denial?.headers);
  }
  let filter: FilterExpr;
  try {
    filter = decision.filter ? filterFromProto(decision.filter) : matchAll;
  } catch (error) {
    if (error instanceof FilterError) {
      deps.logger.error({ err: error, handler: decision.handlerKey, ...traceLogFields(call.trace) }, "authz sent a filter this server cannot apply");
      throw internalError();
    }
    throw error;
  }
  const item = decision.item;
  return new Access(
    minted,
    event.resource,
    user,
    filter,
    decision.metadata,
    item ? { namespace: item.namespace, key: item.key, value: item.value } : undefined,
  );
}

/** The store's authorization: authentication, then authz's decision, turned into an Access. */
export function createAccessGuard(deps: AuthorizationDeps): AccessGuard {
  return {
    authenticate: (context) => deps.authenticate(context),
    async authorize(context, event, value) {
      const user = await deps.authenticate(context);
      return decide(
        deps,
        user,
        {
          trace: requestTraceOf(context),
          timeoutMs: timeoutFor(context, deps.callTimeoutMs),
          failed: (error) => dependencyError(error, "authorization", deps.logger, requestTraceOf(context)),
        },
        event,
        value,
      );
    },
  };
}

/**
 * Decides for a user the store recorded earlier, with no request and no
 * credential: a cron's owner when the scheduler fires it. The handler runs
 * as for a caller, so a handler that now denies the owner stops the firing.
 * Only the scheduler is given one (main.ts); RPCs get the AccessGuard, which
 * always authenticates the caller.
 */
export interface StoredUserGuard {
  /** Asks authz about the event for this user; throws the error a caller would get on a deny or a failure to decide. */
  authorize<R extends Resource>(user: UserRecord, event: { resource: R; action: string }, value: JsonObject): Promise<Access<R>>;
}

/** The scheduler's authorization of stored users: authz's decision turned into an Access, as for a caller. */
export function createStoredUserGuard(deps: Omit<AuthorizationDeps, "authenticate">): StoredUserGuard {
  return {
    authorize(user, event, value) {
      const trace = traceFromHeaders(() => undefined);
      return decide(
        deps,
        user,
        {
          trace,
          timeoutMs: deps.callTimeoutMs,
          failed: (error) => dependencyError(error, "authorization", deps.logger, trace),
        },
        event,
        value,
      );
    },
  };
}
