import { randomBytes } from "node:crypto";
import { intSetting, listSetting, optionalIntSetting, optionalSetting, type ConfigOf } from "@gatehouse/config";
import { redisTimeoutSettings, type Logger } from "@gatehouse/server";
import { defaultCredentialHeaders } from "./credential-key.js";
import { createMemoryIdentityStore } from "./memory-identity-store.js";
import { redisTargetOf, redisTargetSettings, redisTargetVariables } from "@gatehouse/redis";
import { createRedisIdentityStore } from "./redis-identity-store.js";
import type { SharedIdentityStore } from "./shared-identity-store.js";

/** How identities are keyed and how long they are cached; identical in authn and store. */
export interface IdentityConfig {
  /** The HMAC secret of credential keys (GATEHOUSE_CACHE_SECRET). */
  secret: Buffer;
  /** The headers that carry the credential (GATEHOUSE_CREDENTIAL_HEADERS, default "authorization"). */
  credentialHeaders: readonly string[];
  /** How long a verified identity is cached (GATEHOUSE_IDENTITY_TTL_MS). */
  ttlMs: number;
  /** How long a rejected credential is cached (GATEHOUSE_REJECTION_TTL_MS). */
  rejectionTtlMs: number;
  /** How long an entry lives in each process's L1 (GATEHOUSE_L1_TTL_MS). */
  l1TtlMs: number;
  /** The most entries each L1 holds (GATEHOUSE_L1_MAX_ENTRIES). */
  l1MaxEntries: number;
  /** The longest a credential header may be, checked before anything else (GATEHOUSE_MAX_CREDENTIAL_BYTES). */
  maxCredentialBytes: number;
}

/** The shortest cache secret accepted: shorter ones make cache keys open to offline guessing of tokens. */
const minSecretBytes = 32;

/** The identity cache's settings, declared once and spread into authn's and the store's config tables. */
export const identitySettings = {
  cacheSecret: optionalSetting("GATEHOUSE_CACHE_SECRET", "HMAC secret of cache keys and of the MAC on each Redis entry, at least 32 bytes; the same in every service (required with Redis)", "random per process"),
  credentialHeaders: listSetting("GATEHOUSE_CREDENTIAL_HEADERS", "headers that identify a credential: the cache key; other headers the callback reads bind the cached verdict instead", defaultCredentialHeaders),
  identityTtlMs: intSetting("GATEHOUSE_IDENTITY_TTL_MS", "how long a verified identity is cached", 300_000),
  rejectionTtlMs: intSetting("GATEHOUSE_REJECTION_TTL_MS", "how long a rejected credential is cached", 5_000),
  l1TtlMs: intSetting("GATEHOUSE_L1_TTL_MS", "how long an entry lives in each process's cache in front of Redis", 5_000),
  l1MaxEntries: intSetting("GATEHOUSE_L1_MAX_ENTRIES", "the most entries each process's own cache holds", 10_000),
  maxCredentialBytes: intSetting("GATEHOUSE_MAX_CREDENTIAL_BYTES", "longest credential header, checked before anything else; a longer one is UNAUTHENTICATED (401 at the gateway)", 8_192, { min: 1 }),
  ...redisTargetSettings,
  ...redisTimeoutSettings,
  revocationHoldMs: intSetting("GATEHOUSE_REVOCATION_HOLD_MS", "after a revocation, how long no process may cache that credential as valid", 10_000),
  revocationReplicas: optionalIntSetting("GATEHOUSE_REVOCATION_REPLICAS", "replicas that must confirm a revocation before it is acknowledged", "1 on a cluster or behind Sentinels, 0 on one Redis"),
};

/** The values of {@link identitySettings}. */
export type IdentityValues = ConfigOf<typeof identitySettings>;

/** The identity configuration from the values of {@link identitySettings}: refuses a short secret, and a missing one when Redis is shared. */
export function identityConfigOf(values: IdentityValues, logger: Logger): IdentityConfig {
  const secretText = values.cacheSecret;
  if (secretText === undefined) {
    // With a shared Redis, replicas keyed under different secrets would each
    // cache their own entry, and a revocation through one would miss the others.
    const byName = { REDIS_URL: values.redisUrl, REDIS_CLUSTER_NODES: values.redisClusterNodes, REDIS_SENTINELS: values.redisSentinels };
    const redis = redisTargetVariables.find((name) => byName[name] !== undefined);
    if (redis !== undefined) {
      throw new Error(`GATEHOUSE_CACHE_SECRET must be set when ${redis} is: every service and replica keys the shared cache with it`);
    }
    logger.warn("GATEHOUSE_CACHE_SECRET is unset: using a random secret, so cached identities are not shared with other processes");
  } else if (Buffer.byteLength(secretText) < minSecretBytes) {
    throw new Error(`GATEHOUSE_CACHE_SECRET must be at least ${minSecretBytes} bytes`);
  }
  return {
    secret: secretText === undefined ? randomBytes(32) : Buffer.from(secretText, "utf8"),
    credentialHeaders: values.credentialHeaders,
    ttlMs: values.identityTtlMs,
    rejectionTtlMs: values.rejectionTtlMs,
    l1TtlMs: values.l1TtlMs,
    l1MaxEntries: values.l1MaxEntries,
    maxCredentialBytes: values.maxCredentialBytes,
  };
}

/**
 * Redis when REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS (with
 * REDIS_SENTINEL_NAME) is set; otherwise a store private to this process.
 * GATEHOUSE_REDIS_TIMEOUT_MS is the time budget of one Redis command, after
 * which the lookup counts as a miss and the credential is verified directly;
 * GATEHOUSE_REVOCATION_HOLD_MS how long a revoked credential may not be
 * cached again; GATEHOUSE_REVOCATION_REPLICAS how many replicas must confirm
 * a revocation. `secret` is the cache secret, under which every Redis entry
 * is sealed.
 */
export function sharedIdentityStoreOf(values: IdentityValues, logger: Logger, secret: Buffer): SharedIdentityStore {
  const target = redisTargetOf(values);
  if (target === undefined) {
    logger.info("no Redis is configured (REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS): identities are cached in this process only");
    return createMemoryIdentityStore(Date.now, values.revocationHoldMs);
  }
  return createRedisIdentityStore({
    target,
    secret,
    commandTimeoutMs: values.redisTimeoutMs,
    revocationHoldMs: values.revocationHoldMs,
    revocationReplicas: values.revocationReplicas ?? (target.kind === "standalone" ? 0 : 1),
  });
}
