import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { ErrorReason, gatehouseError, unavailable } from "@gatehouse/errors";
import { traceLogFields, type Logger, type RequestTrace } from "@gatehouse/server";

/** The deadline of one call to authn or authz: `callTimeoutMs`, shortened to the caller's when that is sooner. */
export function timeoutFor(context: HandlerContext, callTimeoutMs: number): number {
  return Math.max(1, Math.min(callTimeoutMs, context.timeoutMs() ?? callTimeoutMs));
}

/**
 * A downstream failure as the store's own error, never forwarded as is:
 * unreachable or slow means UNAVAILABLE / DEADLINE_EXCEEDED (retryable), and
 * anything else INTERNAL. Either way the request fails closed.
 */
export function dependencyError(error: unknown, what: "authentication" | "authorization", logger: Logger, trace: RequestTrace): ConnectError {
  const code = error instanceof ConnectError ? error.code : Code.Internal;
  if (code === Code.Unauthenticated && what === "authentication" && error instanceof ConnectError) {
    return gatehouseError(Code.Unauthenticated, ErrorReason.CREDENTIAL_REJECTED, error.rawMessage);
  }
  const authentication = what === "authentication";
  if (code === Code.Unavailable) {
    return unavailable(authentication ? ErrorReason.AUTHENTICATION_UNAVAILABLE : ErrorReason.AUTHORIZATION_UNAVAILABLE, `the ${what} service is unavailable`);
  }
  if (code === Code.DeadlineExceeded) {
    return gatehouseError(
      Code.DeadlineExceeded,
      authentication ? ErrorReason.AUTHENTICATION_TIMED_OUT : ErrorReason.AUTHORIZATION_TIMED_OUT,
      `${what} did not finish in time`,
    );
  }
  logger.error({ err: error, ...traceLogFields(trace) }, `${what} failed`);
  return gatehouseError(Code.Internal, authentication ? ErrorReason.AUTHENTICATION_FAILED : ErrorReason.AUTHORIZATION_FAILED, `${what} failed`);
}
