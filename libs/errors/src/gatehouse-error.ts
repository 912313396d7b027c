import { Code, ConnectError } from "@connectrpc/connect";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { ErrorInfoSchema, ErrorReason, ErrorReasonSchema, RetryInfoSchema, type ErrorInfo } from "@gatehouse/contracts";
import { codeForHttpStatus } from "./http-status.js";

/** The ErrorInfo domain of every error Gatehouse builds itself. */
export const errorDomain = "gatehouse";

/**
 * The ErrorInfo metadata key holding the HTTP status an HTTPException carried,
 * so the gateway can answer with that status rather than the one its gRPC
 * code maps back to (several statuses share a code).
 */
export const httpStatusKey = "http_status";

/**
 * The reason string clients see for an ErrorReason: the enum value's proto
 * name without its ERROR_REASON_ prefix, such as "THREAD_NOT_FOUND".
 */
export function reasonName(reason: ErrorReason): string {
  const value = ErrorReasonSchema.value[reason];
  if (value === undefined || reason === ErrorReason.UNSPECIFIED) throw new Error(`not an error reason: ${reason}`);
  return value.localName;
}

/**
 * Builds a client-visible error with a standard code and an ErrorInfo detail
 * whose reason comes from the contract's ErrorReason enum. `metadata` must
 * never hold secrets or the contents of rows the caller may not see.
 */
export function gatehouseError(
  code: Code,
  reason: ErrorReason,
  message: string,
  metadata: Record<string, string> = {},
  headers?: HeadersInit,
): ConnectError {
  return new ConnectError(message, code, headers, [{ desc: ErrorInfoSchema, value: { reason: reasonName(reason), domain: errorDomain, metadata } }]);
}

/**
 * An error for an HTTPException's status: the gRPC code the status maps to,
 * and the status itself in the ErrorInfo metadata (`http_status`), so the
 * gateway answers with exactly the status the operator's code threw.
 */
export function httpStatusError(status: number, reason: ErrorReason, message: string, headers?: HeadersInit): ConnectError {
  return gatehouseError(codeForHttpStatus(status), reason, message, { [httpStatusKey]: String(status) }, headers);
}

const notFoundReason = {
  thread: ErrorReason.THREAD_NOT_FOUND,
  assistant: ErrorReason.ASSISTANT_NOT_FOUND,
  run: ErrorReason.RUN_NOT_FOUND,
  item: ErrorReason.ITEM_NOT_FOUND,
  cron: ErrorReason.CRON_NOT_FOUND,
} as const;

/**
 * The one NOT_FOUND of a resource kind. It names no id, so a row the caller's
 * filter hides and a row that does not exist answer with identical bytes.
 */
export function notFound(kind: keyof typeof notFoundReason): ConnectError {
  return gatehouseError(Code.NotFound, notFoundReason[kind], `${kind} not found`);
}

/** INVALID_ARGUMENT naming the field and what is wrong with it. */
export function invalidArgument(field: string, problem: string): ConnectError {
  return gatehouseError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, `${field}: ${problem}`, { field });
}

/** The generic INTERNAL sent in place of any unexpected error; the cause is logged, never sent. */
export function internalError(): ConnectError {
  return gatehouseError(Code.Internal, ErrorReason.INTERNAL, "internal error");
}

/** UNAVAILABLE for a dependency that could not answer; the caller may retry. */
export function unavailable(reason: ErrorReason, message: string): ConnectError {
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
    ErrorReason.RATE_LIMITED,
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

/**
 * The HTTP status an HTTPException carried through an error Gatehouse built
 * itself (ErrorInfo domain "gatehouse", metadata `http_status`), if any. An
 * ErrorInfo from another domain is not trusted: its status is ignored.
 */
export function httpStatusOf(error: ConnectError): number | undefined {
  const info = errorInfoOf(error);
  if (info === undefined || info.domain !== errorDomain) return undefined;
  const text = info.metadata[httpStatusKey];
  if (text === undefined || !/^[1-5]\d\d$/.test(text)) return undefined;
  return Number(text);
}
