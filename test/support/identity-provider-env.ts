import type { IdentityProvider } from "@gatehouse/verifiers/testing";

/** The environment test/fixtures/verifiers-auth.ts reads: where the identity provider stand-in is. */
export function identityProviderEnv(idp: IdentityProvider, staticToken: string, clientId = "gatehouse", clientSecret = "gatehouse-secret") {
  return {
    IDP_ISSUER: idp.issuer,
    IDP_JWKS_URL: idp.jwksUrl,
    IDP_INTROSPECTION_URL: idp.introspectionUrl,
    IDP_USERINFO_URL: idp.userinfoUrl,
    IDP_CLIENT_ID: clientId,
    IDP_CLIENT_SECRET: clientSecret,
    STATIC_TOKEN: staticToken,
  };
}
