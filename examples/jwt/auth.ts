/**
 * An auth module for clients holding JWT access tokens from an OpenID Connect
 * or OAuth 2.0 provider (Auth0, Okta, Keycloak, Entra ID, Cognito, ...).
 * Configure it from the environment:
 *
 * - JWT_JWKS_URL: the provider's key set, e.g. https://idp.example.com/.well-known/jwks.json
 * - JWT_ISSUER: the `iss` its tokens carry, e.g. https://idp.example.com/
 * - JWT_AUDIENCE: the `aud` its tokens carry for this API
 * - JWT_ALGORITHMS (optional): accepted signature algorithms, comma-separated; default RS256
 *
 * The user is the token's `sub`, with permissions from its `permissions` or
 * `scope` claim; every thread or assistant is owned by whoever created it.
 * authn caches each identity no longer than the token's `exp`.
 */
import { Auth } from "@gatehouse/auth";
import { jwtVerifier, type JwtVerifierOptions } from "@gatehouse/verifiers";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (see examples/jwt/auth.ts)`);
  return value;
}

export const auth = new Auth()
  .authenticate(
    jwtVerifier({
      jwksUrl: required("JWT_JWKS_URL"),
      issuer: required("JWT_ISSUER"),
      audience: required("JWT_AUDIENCE"),
      algorithms: (process.env.JWT_ALGORITHMS ?? "RS256").split(",").map((name) => name.trim()) as JwtVerifierOptions["algorithms"],
    }),
  )
  .on("*", ({ user, value }) => {
    if (value !== null && typeof value === "object" && "metadata" in value) {
      const target = value as { metadata?: Record<string, unknown> };
      target.metadata = { ...target.metadata, owner: user.identity };
    }
    return { owner: user.identity };
  });
