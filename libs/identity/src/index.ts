/**
 * Identity caching shared by authn and store: credential keys (HMAC, never
 * the raw token), the shared store (Redis or in-process), the bounded L1 in
 * front of it, revocation, and the wire form of a user.
 */
export { isCachedIdentity, type CachedIdentity, type UserRecord } from "./cached-identity.js";
export { credentialKey, defaultCredentialHeaders } from "./credential-key.js";
export {
  bindRequest,
  bindingHolds,
  bindingFromProto,
  bindingToProto,
  isRequestBinding,
  requestFingerprint,
  requestLineOf,
  reusableFor,
  type RequestBinding,
  type RequestReads,
} from "./request-binding.js";
export type { SharedIdentityStore } from "./shared-identity-store.js";
export { createMemoryIdentityStore } from "./memory-identity-store.js";
export { createRedisIdentityStore, identityKey, openIdentityEntry, sealIdentityEntry, type RedisIdentityStoreOptions } from "./redis-identity-store.js";
export { createRedisClient, redisTargetFromEnv, redisTargetOf, redisTargetSettings, type RedisTargetValues, parseAddresses, type RedisTarget, type RedisAddress } from "@gatehouse/redis";
export { L1Cache } from "./l1-cache.js";
export { createIdentityCache, IdentityCacheUnavailable, type IdentityCache, type IdentityCacheOptions } from "./identity-cache.js";
export { userToProto, userFromProto } from "./user-proto.js";
export { identityConfigOf, sharedIdentityStoreOf, identitySettings, type IdentityValues, type IdentityConfig } from "./identity-config.js";
export { SingleFlight } from "./single-flight.js";
export {
  createIdentityResolver,
  type IdentityResolver,
  type IdentityResolverDeps,
  type IdentityQuery,
  type IdentityTier,
} from "./identity-resolver.js";
