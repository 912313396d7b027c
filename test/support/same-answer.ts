import { expect } from "vitest";
import type { grpc } from "./proto-client.js";

/**
 * Asserts two errors are indistinguishable to a client: code, message, and
 * every trailer byte (the ErrorInfo detail included). README "Errors": a row the
 * caller may not see answers exactly like a row that does not exist.
 * The HTTP/2 `date` header is left out: it is the clock second the answer
 * left, the same for hidden and missing rows but not for two calls that
 * straddle a second.
 */
export function expectSameAnswer(hidden: grpc.ServiceError, missing: grpc.ServiceError): void {
  expect(hidden.code).toBe(missing.code);
  expect(hidden.details).toBe(missing.details);
  const trailers = (error: grpc.ServiceError) =>
    Object.entries(error.metadata.getMap())
      .filter(([key]) => key !== "date")
      .map(([key, value]) => [key, Buffer.isBuffer(value) ? value.toString("base64") : value]);
  expect(trailers(hidden)).toEqual(trailers(missing));
}
