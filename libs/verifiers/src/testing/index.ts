/**
 * Test helpers for auth modules that use the built-in verifiers: an identity
 * provider stand-in on loopback (JWKS with rotation, token introspection,
 * userinfo) that signs real tokens and counts the requests it receives.
 */
export { startIdentityProvider, type IdentityProvider, type IdentityProviderOptions, type RecordedRequest, type SignOptions } from "./identity-provider.js";
export { KeyRing, createSigningKey, type SigningKey } from "./signing-keys.js";
