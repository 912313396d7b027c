import { createRedisClient, type RedisTarget } from "@gatehouse/redis";
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { CallerRateLimiter } from "./caller-rate-limiter.js";

/** The settings of a per-caller limit shared by every replica through Redis. */
export interface SharedCallerRateLimitOptions {
  /** Redis (single, a cluster or behind Sentinels), where every replica keeps the same counters. */
  redis: RedisTarget;
  /** Keeps this service's counters apart from other services' (`gatehouse:rate:store`). */
  keyPrefix: string;
  /** The rate one caller may sustain, over all replicas together. */
  perSecond: number;
  /** How many requests a caller that has been idle may make at once. */
  burst: number;
  /** How long a Redis command may take before this process falls back to its own counters. */
  commandTimeoutMs?: number;
  /** Told when Redis stops or starts answering, so the operator can see which limits are in force. */
  onRedisChange?: (up: boolean, error?: unknown) => void;
}

/** A counter of `points` requests per fixed window of `seconds`. */
export interface SharedWindow {
  /** Whole seconds, since Redis expires keys by the second. */
  seconds: number;
  /** Requests admitted per window. */
  points: number;
}

/** How a token bucket of `perSecond` and `burst` is counted in Redis: a rate window, and a burst allowance on top. */
export interface SharedLimits {
  /** `perSecond` requests in each one-second window. */
  rate: SharedWindow;
  /**
   * The rest of the burst (`burst - perSecond` requests), spent only once a
   * second's rate is, and back after as many seconds as a full bucket takes
   * to refill. None when the burst is no larger than the rate.
   */
  burst?: SharedWindow;
}

/**
 * The counters that stand in for a token bucket in Redis, where
 * rate-limiter-flexible counts fixed windows: one second's rate, and the
 * burst beyond it as an allowance spent after the rate and back after
 * `burst / perSecond` seconds (rounded up), as the bucket would be. An idle
 * caller gets `burst` requests at once and is told to come back within a
 * second once both are spent. Fixed windows cannot hold a bucket's rate
 * exactly: a caller who keeps at it sustains `perSecond` plus the allowance
 * per its window (1.5 times the rate with the default burst of twice it);
 * with `burst` at most `perSecond` the rate is exact.
 */
export function sharedLimits(perSecond: number, burst: number): SharedLimits {
  const rate = { seconds: 1, points: perSecond };
  const extra = burst - perSecond;
  if (extra < 1) return { rate };
  return { rate, burst: { seconds: Math.ceil(burst / perSecond), points: extra } };
}

/**
 * A per-caller limit whose counters live in Redis, so a caller gets its rate
 * once however many replicas serve it (see the README's "Limits"). While Redis
 * is unreachable or slower than `commandTimeoutMs`, each process counts in its
 * own memory with the same windows instead: callers stay limited, at up to N
 * times the rate over N replicas, and no request is refused because Redis is
 * down. Caller keys are the HMACs and addresses the services already use, never
 * raw tokens.
 */
export function createSharedCallerRateLimiter(options: SharedCallerRateLimitOptions): CallerRateLimiter {
  const { perSecond, burst } = options;
  if (!Number.isInteger(perSecond) || perSecond < 1 || !(burst >= 1)) throw new Error("a shared rate limit needs a whole perSecond >= 1 and burst >= 1");
  const limits = sharedLimits(perSecond, burst);
  // Fails at once while disconnected (no offline queue), so the fallback answers instead of a queue that waits.
  const redis = createRedisClient(options.redis, { commandTimeoutMs: options.commandTimeoutMs ?? 50 });
  let up: boolean | undefined;
  const report = (now: boolean, error?: unknown) => {
    if (up === now) return;
    up = now;
    options.onRedisChange?.(now, error);
  };
  redis.on("ready", () => report(true));
  redis.on("error", (error: unknown) => report(false, error));
  redis.on("end", () => report(false));
  // Each counter has an in-memory twin that answers while Redis does not.
  const counter = (name: string, window: SharedWindow) => {
    const keyPrefix = `${options.keyPrefix}:${name}`;
    return new RateLimiterRedis({
      storeClient: redis,
      keyPrefix,
      points: window.points,
      duration: window.seconds,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix, points: window.points, duration: window.seconds }),
    });
  };
  const rate = counter("rate", limits.rate);
  const limiter = limits.burst === undefined ? rate : new BurstyRateLimiter(rate, counter("burst", limits.burst));
  return {
    async take(caller) {
      try {
        await limiter.consume(caller);
        return 0;
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) return Math.max(1, refusal.msBeforeNext);
        throw refusal;
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}
