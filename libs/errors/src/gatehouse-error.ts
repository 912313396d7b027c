import { Code, ConnectError } from "@connectrpc/connect";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { ErrorInfoSchema, RetryInfoSchema, type ErrorInfo } from "@gatehouse/contracts";

const domain = "gatehouse";

/**
 * Builds a client-visible error with a standard code and an ErrorInfo detail.
 * `reason` is UPPER_SNAKE_CASE and stable; `metadata` must never hold secrets
 * or the contents of rows the caller may not see.
 */
export function gatehouseError(
  code: Code,
  reason: string,
  message: string,
  metadata: Record<string, string> = {},
  headers?: HeadersInit,
): ConnectError {
  return new ConnectError(message, code, headers, [{ desc: ErrorInfoSchema, value: { reason, domain, metadata } }]);
}

/**
 * The one NOT_FOUND of a resource kind. It names no id, so a row the caller's
 * filter hides and a row that does not exist answer with identical bytes
 * (SPEC §5).
 */
export function notFound(kind: "thread" | "assistant" | "run" | "item" | "cron"): ConnectError {
  return gatehouseError(Code.NotFound, `${kind.toUpperCase()}_NOT_FOUND`, `${kind} not found`);
}

/** INVALID_ARGUMENT naming the field and what is wrong with it. */
export function invalidArgument(field: string, problem: string): ConnectError {
  return gatehouseError(Code.InvalidArgument, "INVALID_ARGUMENT", `${field}: ${problem}`, { field });
}

/** The generic INTERNAL sent in place of any unexpected error; the cause is logged, never sent. */
export function internalError(): ConnectError {
  return gatehouseError(Code.Internal, "INTERNAL", "internal error");
}

/** UNAVAILABLE for a dependency that could not answer; the caller may retry. */
export function unavailable(reason: string, message: string): ConnectError {
  return gatehouseError(Code.Unavailable, reason, message);
}

/**
 * RESOURCE_EXHAUSTED for a caller over its request rate (reason RATE_LIMITED),
 * saying when to retry twice: a google.rpc.RetryInfo detail for gRPC clients,
 * and a `retry-after` trailer in whole seconds that the gateway passes on as
 * the Retry-After header of its 429.
 */
export function rateLimitExceeded(retryAfterMs: number): ConnectError {
  const waitMs = Math.max(1, Math.ceil(retryAfterMs));
  const error = gatehouseError(
    Code.ResourceExhausted,
    "RATE_LIMITED",
    "too many requests; retry later",
    { retry_after_ms: String(waitMs) },
    { "retry-after": String(Math.ceil(waitMs / 1000)) },
  );
  error.details.push({ desc: RetryInfoSchema, value: { retryDelay: durationFromMs(waitMs) } });
  return error;
}

/** The ErrorInfo attached to an error, if any. */
export function errorInfoOf(error: ConnectError): ErrorInfo | undefined {
  return error.findDetails(ErrorInfoSchema)[0];
}
