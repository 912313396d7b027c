import { describeType, FilterError, parseFilter, type FilterExpr, type FilterLimits } from "@gatehouse/filters";
import type { EventName, HandlerKey } from "./events.js";
import type { HandlerTable } from "./handler-table.js";
import { exceptionHeaders, isHttpException } from "./http-exception.js";
import type { BaseUser } from "./user.js";

/** One event to decide. */
export interface DecisionRequest {
  event: EventName;
  user: BaseUser;
  /** The event's value; the handler may mutate it, and the mutated object is returned. */
  value: Record<string, unknown>;
}

/** The verdict of a handler (README "Your auth module"), as data. */
export type Decision =
  | {
      effect: "allow";
      handlerKey: HandlerKey | undefined;
      /** Undefined when the handler returned no object: every row. */
      filter: FilterExpr | undefined;
      /** The value after the handler ran. */
      value: Record<string, unknown>;
    }
  | {
      effect: "deny";
      handlerKey: HandlerKey | undefined;
      status: number;
      message: string;
      headers: Record<string, string>;
    };

/** Why a handler could not decide; the request fails closed. */
export type HandlerFailureKind = "threw" | "invalid_result" | "invalid_filter" | "timed_out";

/**
 * A handler that threw something other than an HTTPException, returned
 * something that is not a result, returned an invalid filter, or ran past its
 * time budget. The message is for logs; clients get a generic error.
 */
export class HandlerFailure extends Error {
  override readonly name = "HandlerFailure";

  constructor(
    readonly kind: HandlerFailureKind,
    readonly handlerKey: HandlerKey,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Limits on running a handler. */
export interface DecideOptions {
  /** How long a handler may take before the request fails closed. */
  timeoutMs: number;
  filterLimits?: FilterLimits;
}

/**
 * Runs the single handler that matches the event and turns its
 * result into a decision (README "Your auth module"). Throws HandlerFailure when the handler
 * cannot decide.
 */
export async function decide(table: HandlerTable, request: DecisionRequest, options: DecideOptions): Promise<Decision> {
  const resolved = table.get(request.event);
  if (resolved === undefined) {
    return { effect: "allow", handlerKey: undefined, filter: undefined, value: request.value };
  }
  const { key, handler } = resolved;
  const [resource, action] = request.event.split(":");
  let result: unknown;
  try {
    const returned = handler({
      event: request.event,
      resource: resource as never,
      action: action as never,
      value: request.value,
      user: request.user,
      permissions: request.user.permissions,
    });
    result = isThenable(returned) ? await withTimeout(returned, options.timeoutMs, key) : returned;
  } catch (error) {
    if (error instanceof HandlerFailure) throw error;
    if (isHttpException(error)) {
      return { effect: "deny", handlerKey: key, status: error.status, message: error.message, headers: exceptionHeaders(error) };
    }
    throw new HandlerFailure("threw", key, `handler "${key}" threw: ${String(error)}`, { cause: error });
  }
  if (result === undefined || result === null || result === true) {
    return { effect: "allow", handlerKey: key, filter: undefined, value: request.value };
  }
  if (result === false) {
    return { effect: "deny", handlerKey: key, status: 403, message: "Forbidden", headers: {} };
  }
  if (!isPlainObject(result)) {
    throw new HandlerFailure(
      "invalid_result",
      key,
      `handler "${key}" returned ${describeType(result)}; a handler returns nothing, a boolean or a filter object`,
    );
  }
  try {
    return { effect: "allow", handlerKey: key, filter: parseFilter(result, options.filterLimits), value: request.value };
  } catch (error) {
    if (error instanceof FilterError) {
      throw new HandlerFailure("invalid_filter", key, `handler "${key}" returned an invalid filter: ${error.message}`);
    }
    throw error;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

function withTimeout<T>(promise: PromiseLike<T>, timeoutMs: number, key: HandlerKey): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HandlerFailure("timed_out", key, `handler "${key}" did not finish within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
