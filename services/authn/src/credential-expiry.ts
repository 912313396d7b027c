import { describeType } from "@gatehouse/filters";

/** The callback returned an `expires_at` that is neither a Date nor epoch seconds. */
export class InvalidExpiryError extends Error {
  override readonly name = "InvalidExpiryError";
}

/** An authenticate result with its expiry read out. */
export interface ResultWithExpiry {
  /** The result, with `expires_at` (if any) as epoch seconds, so it survives JSON and protobuf. */
  result: unknown;
  /** When the credential stops being valid, in epoch milliseconds; undefined when it did not say. */
  expiresAtMs: number | undefined;
}

/**
 * Reads the credential's expiry from what an authenticate callback returned:
 * the `expires_at` field of the user object, a Date or a number of seconds
 * since the epoch (the unit of a JWT's `exp` and of RFC 7662's, so verifiers
 * can pass either through unchanged). It caps how long the identity is cached,
 * everywhere. `expires_at` stays on the user, as seconds, so handlers can see
 * it. Anything else there fails the request closed: a misread expiry could
 * keep a credential alive after its end.
 */
export function readExpiry(result: unknown): ResultWithExpiry {
  if (result === null || typeof result !== "object" || !("expires_at" in result)) return { result, expiresAtMs: undefined };
  const value = (result as { expires_at: unknown }).expires_at;
  if (value === undefined || value === null) return { result, expiresAtMs: undefined };
  let seconds: number;
  if (value instanceof Date) seconds = value.getTime() / 1000;
  else if (typeof value === "number") seconds = value;
  else seconds = Number.NaN;
  if (!Number.isFinite(seconds)) {
    throw new InvalidExpiryError(
      `authenticate returned expires_at as ${value instanceof Date ? "an invalid Date" : describeType(value)}; give a Date or seconds since the epoch`,
    );
  }
  return { result: { ...result, expires_at: seconds }, expiresAtMs: seconds * 1000 };
}
