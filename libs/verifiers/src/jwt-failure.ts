import { errors } from "jose";
import { HTTPException } from "@gatehouse/auth";
import { invalidToken, providerUnavailable, type ChallengeOptions } from "./challenge.js";

/** The JWKS endpoint could not be used: unreachable, not 200, or not a key set. */
export class JwksUnavailable extends Error {
  override readonly name = "JwksUnavailable";
}

/** Claims whose names may appear in a challenge; anything else is described generically. */
const namedClaims = new Set(["iss", "aud", "sub", "iat", "exp", "nbf", "jti", "typ"]);

/**
 * Maps whatever verifying a JWT threw to the HTTPException authn understands.
 * Everything about the token is a 401 with an RFC 6750 challenge; only a key
 * set that could not be fetched is a 503. An error this function does not
 * recognise is a 401 too: a token that made the library fail is not a token
 * to accept, and it must never surface as a 500.
 */
export function jwtFailure(error: unknown, options: ChallengeOptions): HTTPException {
  if (error instanceof HTTPException) return error;
  if (error instanceof JwksUnavailable) return providerUnavailable("the JWKS endpoint is unavailable", error);
  if (!(error instanceof errors.JOSEError)) return invalidToken("token invalid", options);
  switch (error.code) {
    case errors.JWTExpired.code:
      return invalidToken("token expired", options);
    case errors.JWTClaimValidationFailed.code: {
      const { claim } = error as errors.JWTClaimValidationFailed;
      if (claim === "nbf") return invalidToken("token not yet valid", options);
      return invalidToken(namedClaims.has(claim) ? `token ${claim} claim invalid` : "token claims invalid", options);
    }
    case errors.JOSEAlgNotAllowed.code:
      return invalidToken("token algorithm not allowed", options);
    case errors.JWKSNoMatchingKey.code:
    case errors.JWKSMultipleMatchingKeys.code:
      return invalidToken("token signing key unknown", options);
    case errors.JWSSignatureVerificationFailed.code:
      return invalidToken("token signature invalid", options);
    case errors.JWKSTimeout.code:
      return providerUnavailable("the JWKS endpoint timed out", error);
    case errors.JWKSInvalid.code:
    case errors.JOSEError.code:
      // Only the remote key set raises these: a malformed set, or a fetch that failed.
      return providerUnavailable("the JWKS endpoint answered with an unusable key set", error);
    default:
      return invalidToken("token malformed", options);
  }
}
