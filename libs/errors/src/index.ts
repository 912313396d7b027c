/**
 * Client-visible errors: one way to build them, so that every error carries a
 * standard code and an ErrorInfo reason, and a hidden row answers exactly like
 * a missing one.
 */
export { gatehouseError, notFound, internalError, invalidArgument, unavailable, rateLimitExceeded, errorInfoOf } from "./gatehouse-error.js";
export { codeForHttpStatus, httpStatusForCode } from "./http-status.js";
