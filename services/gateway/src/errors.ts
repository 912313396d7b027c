import { Code, ConnectError } from "@connectrpc/connect";
import { durationMs } from "@bufbuild/protobuf/wkt";
import { RetryInfoSchema } from "@gatehouse/contracts";
import { codeForHttpStatus, errorInfoOf, httpStatusForCode, httpStatusOf } from "@gatehouse/errors";

/**
 * An HTTP error answered as `{ "detail": ... }`, the body LangGraph servers
 * send and the SDK surfaces in its thrown error's text.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "HttpError";
  }
}

/**
 * 422 naming the request field and what is wrong with it, worded like the
 * store's INVALID_ARGUMENT (`thread_id: must be a UUID`), so a client sees
 * one style whichever layer rejected its input.
 */
export function unprocessable(field: string, problem: string): HttpError {
  return new HttpError(422, `${field}: ${problem}`);
}

/** 501 for an endpoint or option Gatehouse does not implement, saying why. */
export function notImplemented(detail: string): HttpError {
  return new HttpError(501, detail);
}

// Trailers of a store error that an HTTP client needs as response headers: the
// challenge of a 401 (README "Errors") and the back-off of a 429/503.
const passedThroughHeaders = ["www-authenticate", "retry-after"] as const;

// Said in place of the message of an error that did not come from the store's
// own code (a transport failure, a deadline): those messages can name internal
// addresses, and a downstream error is translated, not forwarded.
const genericDetail: Partial<Record<Code, string>> = {
  [Code.Unavailable]: "the store is unavailable; retry later",
  [Code.DeadlineExceeded]: "the store did not answer in time",
  [Code.Canceled]: "the request was cancelled",
};

// LangGraph's wording of a missing resource ("Thread with ID … not found"), by the
// store's reason, and the path parameter holding the id the caller asked for.
const missingResource: Record<string, { noun: string; idParam?: string }> = {
  THREAD_NOT_FOUND: { noun: "Thread", idParam: "thread_id" },
  ASSISTANT_NOT_FOUND: { noun: "Assistant", idParam: "assistant_id" },
  RUN_NOT_FOUND: { noun: "Run", idParam: "run_id" },
  CRON_NOT_FOUND: { noun: "Cron", idParam: "cron_id" },
  ITEM_NOT_FOUND: { noun: "Item" },
};

/**
 * The detail of a store NOT_FOUND as LangGraph servers word it. The id
 * named is the one the caller sent in the path, so a row the caller may not
 * see and one that does not exist still answer alike for the same id; with
 * no id in the path the wording names none.
 */
function missingDetail(reason: string | undefined, pathParams: Readonly<Record<string, string>>): string | undefined {
  const wording = reason === undefined ? undefined : missingResource[reason];
  if (wording === undefined) return undefined;
  const id = wording.idParam === undefined ? undefined : pathParams[wording.idParam];
  return id === undefined ? `${wording.noun} not found` : `${wording.noun} with ID ${id} not found`;
}

/**
 * Translates what a store call threw into the HTTP error a LangGraph client
 * expects: the status from the gRPC code (NOT_FOUND → 404, PERMISSION_DENIED
 * → 403, UNAUTHENTICATED → 401, ALREADY_EXISTS → 409, INVALID_ARGUMENT → 422,
 * UNAVAILABLE → 503, …, as libs/errors maps them) and the store's message as
 * the detail. An HTTPException's own status (402, 410, 412, …, which share
 * codes with others) comes back unchanged from the ErrorInfo metadata
 * `http_status`, trusted only in Gatehouse's own domain and only when it maps
 * to the code the error carries. Only errors the store built on purpose (they
 * carry an ErrorInfo detail) keep their message; anything else gets a generic
 * one, and an unexpected non-gRPC error is a 500 whose cause the caller logs.
 * A missing (or hidden) resource is worded as LangGraph words it, naming the
 * id of `pathParams` (the request's path parameters) it concerns.
 */
export function httpErrorFrom(error: unknown, pathParams: Readonly<Record<string, string>> = {}): HttpError {
  if (error instanceof HttpError) return error;
  if (!(error instanceof ConnectError)) return new HttpError(500, "internal error");
  const carried = httpStatusOf(error);
  const status = carried !== undefined && codeForHttpStatus(carried) === error.code ? carried : httpStatusForCode(error.code);
  const info = errorInfoOf(error);
  const missing = error.code === Code.NotFound ? missingDetail(info?.reason, pathParams) : undefined;
  const detail =
    info !== undefined ? (missing ?? error.rawMessage) : (genericDetail[error.code] ?? (status === 500 ? "internal error" : "the store rejected the request"));
  const headers: Record<string, string> = {};
  for (const name of passedThroughHeaders) {
    const value = error.metadata.get(name);
    if (value !== null) headers[name] = value;
  }
  if (headers["retry-after"] === undefined) {
    const retryAfter = retryAfterFromDetails(error);
    if (retryAfter !== undefined) headers["retry-after"] = retryAfter;
  }
  return new HttpError(status, detail, headers);
}

/**
 * Retry-After, in whole seconds, from a google.rpc.RetryInfo detail, for a
 * RESOURCE_EXHAUSTED or UNAVAILABLE that says when to retry only that way.
 */
function retryAfterFromDetails(error: ConnectError): string | undefined {
  const delay = error.findDetails(RetryInfoSchema)[0]?.retryDelay;
  return delay === undefined ? undefined : String(Math.max(1, Math.ceil(durationMs(delay) / 1000)));
}
