import { HTTPException } from "@gatehouse/auth";

/** The `error` codes of RFC 6750 §3.1 a verifier answers with. */
export type BearerError = "invalid_request" | "invalid_token";

/** What every verifier says in its `www-authenticate` challenge. */
export interface ChallengeOptions {
  /** The protection space named in every challenge, such as "gatehouse"; no quotes or backslashes. */
  realm?: string;
}

/** Characters RFC 6750 §3 allows inside a quoted challenge attribute. */
const quotable = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

/** Checks a realm once, when a verifier is built, so a bad one is a start-up error. */
export function checkRealm(realm: string | undefined): void {
  if (realm !== undefined && !quotable.test(realm)) {
    throw new TypeError("realm may hold printable ASCII only, without quotes or backslashes");
  }
}

/**
 * The 401 a verifier throws for any credential it does not accept. It carries
 * an RFC 6750 `www-authenticate` challenge, which authn keeps and the client
 * receives (README "Your auth module": a 401 from authenticate stays UNAUTHENTICATED with its
 * headers). `description` is always one of the verifiers' fixed phrases,
 * never text from the token, so nothing the caller sent is echoed back.
 */
export function unauthorized(
  message: string,
  error: BearerError | undefined,
  description: string | undefined,
  options: ChallengeOptions,
): HTTPException {
  const parts: string[] = [];
  if (options.realm !== undefined) parts.push(`realm="${options.realm}"`);
  if (error !== undefined) parts.push(`error="${error}"`);
  if (description !== undefined && quotable.test(description)) parts.push(`error_description="${description}"`);
  const challenge = parts.length === 0 ? "Bearer" : `Bearer ${parts.join(", ")}`;
  return new HTTPException(401, { message, headers: { "www-authenticate": challenge } });
}

/** The 401 for a token the verifier refused: RFC 6750 `invalid_token`. */
export function invalidToken(description: string, options: ChallengeOptions): HTTPException {
  return unauthorized("Invalid token", "invalid_token", description, options);
}

/**
 * The 503 a verifier throws when the identity provider cannot answer (down,
 * slow, misconfigured, or answering nonsense). It says nothing about the
 * token, so authn does not cache it and the store answers UNAVAILABLE, which
 * callers may retry; treating an outage as a bad token would lock every user
 * out for the rejection TTL, and treating it as a good one would fail open.
 */
export function providerUnavailable(message: string, cause?: unknown): HTTPException {
  return new HTTPException(503, { message, cause });
}
