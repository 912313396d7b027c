import { Code } from "@connectrpc/connect";

const codeByHttpStatus: ReadonlyMap<number, Code> = new Map([
  [400, Code.InvalidArgument],
  [401, Code.Unauthenticated],
  [403, Code.PermissionDenied],
  [404, Code.NotFound],
  [409, Code.AlreadyExists],
  [422, Code.InvalidArgument],
  [429, Code.ResourceExhausted],
  [500, Code.Internal],
  [501, Code.Unimplemented],
  [503, Code.Unavailable],
  [504, Code.DeadlineExceeded],
]);

/**
 * Maps the HTTP status of an HTTPException to a gRPC code (README, "Errors").
 * Statuses outside the table map by class: other 4xx are the caller's fault
 * (FAILED_PRECONDITION), everything else is INTERNAL.
 */
export function codeForHttpStatus(status: number): Code {
  const known = codeByHttpStatus.get(status);
  if (known !== undefined) return known;
  return status >= 400 && status < 500 ? Code.FailedPrecondition : Code.Internal;
}

const httpStatusByCode: ReadonlyMap<Code, number> = new Map([
  [Code.InvalidArgument, 422],
  [Code.Unauthenticated, 401],
  [Code.PermissionDenied, 403],
  [Code.NotFound, 404],
  [Code.AlreadyExists, 409],
  [Code.ResourceExhausted, 429],
  [Code.FailedPrecondition, 400],
  [Code.Unimplemented, 501],
  [Code.Unavailable, 503],
  [Code.DeadlineExceeded, 504],
]);

/** Maps a gRPC code back to the HTTP status an HTTP client expects. */
export function httpStatusForCode(code: Code): number {
  return httpStatusByCode.get(code) ?? 500;
}
