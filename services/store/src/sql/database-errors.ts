import { ErrorReason, unavailable } from "@gatehouse/errors";

// SQLSTATE classes and codes that mean "the database cannot serve right now", not "this request is wrong".
const unavailableStates = new Set(["57P01", "57P02", "57P03", "53300", "53400"]);

/**
 * Turns a failure to reach Postgres (no connection within the pool's
 * timeout, a dropped connection, a server shutting down or full) into
 * UNAVAILABLE, which clients may retry. Other errors pass through and become
 * INTERNAL; neither leaks SQL or driver messages to the client.
 */
export function translateDatabaseError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && (code.startsWith("08") || unavailableStates.has(code))) {
    return unavailable(ErrorReason.DATABASE_UNAVAILABLE, "the database is unavailable");
  }
  if (typeof code === "string" && ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE"].includes(code)) {
    return unavailable(ErrorReason.DATABASE_UNAVAILABLE, "the database is unavailable");
  }
  const message = error instanceof Error ? error.message : "";
  if (/timeout exceeded when trying to connect|Connection terminated|connection timeout/i.test(message)) {
    return unavailable(ErrorReason.DATABASE_UNAVAILABLE, "the database is unavailable");
  }
  return error;
}
