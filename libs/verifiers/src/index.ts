/**
 * Built-in verifiers for the authenticate callback, each usable in one line:
 * static API tokens (constant-time), JWTs against a JWKS or a fixed key set
 * (jose), OAuth 2.0 token introspection (RFC 7662) and userinfo-style
 * endpoints. Every token failure is an HTTPException(401) with a
 * `www-authenticate` challenge, never a 500; an identity provider that cannot
 * answer is an HTTPException(503). Each returns the user with `expires_at`
 * (epoch seconds) when the credential has an expiry, so authn never caches
 * it longer.
 */
export { staticTokens, type StaticTokensOptions } from "./static-tokens.js";
export { jwtVerifier, type JwtVerifierOptions } from "./jwt-verifier.js";
export { introspectionVerifier, type IntrospectionVerifierOptions } from "./introspection-verifier.js";
export { userinfoVerifier, type UserinfoVerifierOptions } from "./userinfo-verifier.js";
export { bearerToken, defaultMaxTokenBytes, type TokenOptions, type TokenSource } from "./bearer-token.js";
export { unauthorized, invalidToken, providerUnavailable, type BearerError, type ChallengeOptions } from "./challenge.js";
export { defaultClaimsToUser, type Claims, type ClaimsToUser, type VerifiedUser } from "./verified-user.js";
