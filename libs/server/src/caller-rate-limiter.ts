import { redisTargetOf } from "@gatehouse/redis";
import type { RateLimitValues } from "./settings.js";
import type { Logger } from "./logger.js";
import { createSharedCallerRateLimiter, sharedLimits } from "./shared-rate-limiter.js";

/** The limits of a per-caller token bucket. */
export interface CallerRateLimitOptions {
  /** Tokens added per second: the rate one caller may sustain. */
  perSecond: number;
  /** The bucket's size: how many requests a caller that has been idle may make at once. */
  burst: number;
  /** The most callers tracked at once; beyond it the least recently seen one is forgotten. */
  maxCallers: number;
  /** Milliseconds on a monotonic clock; tests pass their own. */
  now?: () => number;
}

/** A per-caller rate limit: in this process, or shared by every replica through Redis. */
export interface CallerRateLimiter {
  /**
   * Spends one of the caller's tokens: 0 when the request may proceed,
   * otherwise how many milliseconds until the caller has a token again.
   */
  take(caller: string): number | Promise<number>;
  /** Lets go of what the limit holds open (a Redis connection). */
  close(): Promise<void>;
}

/** A token bucket per caller, in this process only; it answers at once. */
export interface InProcessCallerRateLimiter extends CallerRateLimiter {
  take(caller: string): number;
  /** How many callers are tracked now. */
  readonly size: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * A token bucket per caller key, with bounded memory. Buckets are kept in
 * least-recently-seen order: a bucket that has refilled completely is
 * identical to a new one, so idle callers are forgotten from the old end as
 * soon as theirs are full, at no loss of accuracy. Past `maxCallers` the least
 * recently seen caller is forgotten even if its bucket is not full, which
 * hands it a fresh burst; that leniency, not an unbounded map, is the price
 * of a flood of distinct callers.
 *
 * The buckets live in one process: with N replicas behind a balancer, a
 * caller may reach up to N times the rate, which is why services with
 * REDIS_URL count in Redis instead (callerRateLimiterOf).
 */
export function createCallerRateLimiter(options: CallerRateLimitOptions): InProcessCallerRateLimiter {
  const { perSecond, burst, maxCallers } = options;
  if (!(perSecond > 0) || !(burst >= 1) || !(maxCallers >= 1)) {
    throw new Error("a rate limit needs perSecond > 0, burst >= 1 and maxCallers >= 1");
  }
  const now = options.now ?? (() => performance.now());
  const perMs = perSecond / 1000;
  const refillMs = burst / perMs;
  const buckets = new Map<string, Bucket>();

  function forgetIdle(time: number): void {
    for (const [caller, bucket] of buckets) {
      if (time - bucket.updatedMs < refillMs) return;
      buckets.delete(caller);
    }
  }

  return {
    take(caller) {
      const time = now();
      forgetIdle(time);
      let bucket = buckets.get(caller);
      if (bucket === undefined) {
        if (buckets.size >= maxCallers) buckets.delete(buckets.keys().next().value!);
        bucket = { tokens: burst, updatedMs: time };
      } else {
        buckets.delete(caller);
        bucket.tokens = Math.min(burst, bucket.tokens + (time - bucket.updatedMs) * perMs);
        bucket.updatedMs = time;
      }
      buckets.set(caller, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.ceil((1 - bucket.tokens) / perMs);
    },
    get size() {
      return buckets.size;
    },
    async close() {},
  };
}

/**
 * The per-caller rate limit of a client-facing service, or undefined when it
 * is off: GATEHOUSE_RATE_LIMIT_PER_SECOND (default 500) and
 * GATEHOUSE_RATE_LIMIT_BURST (default twice the rate), either 0 to turn it off, and
 * GATEHOUSE_RATE_LIMIT_MAX_CALLERS (default 50 000). With a Redis target (REDIS_URL,
 * REDIS_CLUSTER_NODES or REDIS_SENTINELS) the limit
 * is counted in Redis under the service's own prefix, so it holds across
 * replicas (GATEHOUSE_REDIS_TIMEOUT_MS, default 50, bounds each count before
 * the process falls back to its own, as it bounds the identity cache's
 * commands); without it, in this process. The values are `rateLimitSettings`,
 * read with the service's configuration.
 */
export function callerRateLimiterOf(service: string, values: RateLimitValues, logger?: Logger): CallerRateLimiter | undefined {
  const perSecond = values.ratePerSecond;
  const burst = values.rateBurst ?? perSecond * 2;
  const maxCallers = values.rateMaxCallers;
  const commandTimeoutMs = values.redisTimeoutMs;
  if (perSecond === 0 || burst === 0) return undefined;
  const redis = redisTargetOf(values);
  if (redis === undefined) return createCallerRateLimiter({ perSecond, burst, maxCallers });
  logger?.info({ limits: sharedLimits(perSecond, burst) }, "per-caller rate limits are shared through Redis");
  return createSharedCallerRateLimiter({
    redis,
    keyPrefix: `gatehouse:rate:${service}`,
    perSecond,
    burst,
    commandTimeoutMs,
    onRedisChange: (up, error) => {
      if (up) logger?.info("Redis answers: per-caller rate limits are shared again");
      else logger?.warn({ err: error }, "Redis unavailable: per-caller rate limits are counted in this process until it answers");
    },
  });
}
