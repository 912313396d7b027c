import { randomBytes } from "node:crypto";
import { envInt, envList, envOptional, type Logger } from "@gatehouse/server";
import { defaultCredentialHeaders } from "./credential-key.js";
import { createMemoryIdentityStore } from "./memory-identity-store.js";
import { redisTargetFromEnv, redisTargetVariables } from "@gatehouse/redis";
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

export function identityConfigFromEnv(logger: Logger): IdentityConfig {
  const secretText = envOptional("GATEHOUSE_CACHE_SECRET");
  if (secretText === undefined) {
    // With a shared Redis, replicas keyed under different secrets would each
    // cache their own entry, and a revocation through one would miss the others.
    const redis = redisTargetVariables.find((name) => envOptional(name) !== undefined);
    if (redis !== undefined) {
      throw new Error(`GATEHOUSE_CACHE_SECRET must be set when ${redis} is: every service and replica keys the shared cache with it`);
    }
    logger.warn("GATEHOUSE_CACHE_SECRET is unset: using a random secret, so cached identities are not shared with other processes");
  } else if (Buffer.byteLength(secretText) < minSecretBytes) {
    throw new Error(`GATEHOUSE_CACHE_SECRET must be at least ${minSecretBytes} bytes`);
  }
  return {
    secret: secretText === undefined ? randomBytes(32) : Buffer.from(secretText, "utf8"),
    credentialHeaders: envList("GATEHOUSE_CREDENTIAL_HEADERS", defaultCredentialHeaders),
    ttlMs: envInt("GATEHOUSE_IDENTITY_TTL_MS", 300_000, { min: 0 }),
    rejectionTtlMs: envInt("GATEHOUSE_REJECTION_TTL_MS", 5_000, { min: 0 }),
    l1TtlMs: envInt("GATEHOUSE_L1_TTL_MS", 5_000, { min: 0 }),
    l1MaxEntries: envInt("GATEHOUSE_L1_MAX_ENTRIES", 10_000, { min: 0 }),
    maxCredentialBytes: envInt("GATEHOUSE_MAX_CREDENTIAL_BYTES", 8_192, { min: 1 }),
  };
}

/**
 * Redis when REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS (with
 * REDIS_SENTINEL_NAME) is set; otherwise a store private to this process.
 * GATEHOUSE_REDIS_TIMEOUT_MS (default 50) is the time budget of one Redis
 * command, after which the lookup counts as a miss and the credential is
 * verified directly; GATEHOUSE_REVOCATION_HOLD_MS (default 10 000) how long
 * a revoked credential may not be cached again; GATEHOUSE_REVOCATION_REPLICAS
 * how many replicas must confirm a revocation (default 1 on a cluster or
 * behind Sentinels, 0 on a single Redis). `secret` is the cache secret,
 * under which every Redis entry is sealed.
 */
export function sharedIdentityStoreFromEnv(logger: Logger, secret: Buffer): SharedIdentityStore {
  const target = redisTargetFromEnv();
  const revocationHoldMs = envInt("GATEHOUSE_REVOCATION_HOLD_MS", 10_000, { min: 0 });
  if (target === undefined) {
    logger.info("no Redis is configured (REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS): identities are cached in this process only");
    return createMemoryIdentityStore(Date.now, revocationHoldMs);
  }
  return createRedisIdentityStore({
    target,
    secret,
    commandTimeoutMs: envInt("GATEHOUSE_REDIS_TIMEOUT_MS", 50, { min: 1 }),
    revocationHoldMs,
    revocationReplicas: envInt("GATEHOUSE_REVOCATION_REPLICAS", target.kind === "standalone" ? 0 : 1, { min: 0 }),
  });
}
