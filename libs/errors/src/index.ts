/**
 * Client-visible errors: one way to build them, so that every error carries a
 * standard code and an ErrorInfo reason from the contract's ErrorReason enum,
 * and a hidden row answers exactly like a missing one.
 */
export {
  errorDomain,
  httpStatusKey,
  reasonName,
  gatehouseError,
  httpStatusError,
  notFound,
  internalError,
  invalidArgument,
  unavailable,
  rateLimitExceeded,
  errorInfoOf,
  httpStatusOf,
} from "./gatehouse-error.js";
export { codeForHttpStatus, httpStatusForCode } from "./http-status.js";
export { ErrorReason } from "@gatehouse/contracts";
