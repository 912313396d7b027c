import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { CallerRateLimiter } from "./caller-rate-limiter.js";

/** The limits of a per-caller limit shared by every replica through Redis. */
export interface SharedCallerRateLimitOptions {
  /** Redis, where every replica keeps the same counters. */
  redisUrl: string;
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

/** A fixed window that admits the same sustained rate as a token bucket of `perSecond` and `burst`. */
export interface SharedWindow {
  /** Whole seconds, since Redis expires keys by the second. */
  seconds: number;
  /** Requests admitted per window. */
  points: number;
}

/**
 * The window the shared limit counts in: `burst / perSecond` seconds rounded
 * to a whole second (at least one), admitting `perSecond` requests for each of
 * its seconds. The sustained rate is the configured one; the window's allowance
 * stands in for the burst (at least one second's worth), and a caller that
 * spends one window's allowance at its end and the next one's at its start
 * gets two allowances close together, as with any fixed window.
 */
export function sharedWindow(perSecond: number, burst: number): SharedWindow {
  const seconds = Math.max(1, Math.round(burst / perSecond));
  return { seconds, points: Math.max(1, Math.round(perSecond * seconds)) };
}

/**
 * A per-caller limit whose counters live in Redis, so a caller gets its rate
 * once however many replicas serve it (see the README's "Limits"). While Redis
 * is unreachable or slower than `commandTimeoutMs`, each process counts in its
 * own memory with the same window instead: callers stay limited, at up to N
 * times the rate over N replicas, and no request is refused because Redis is
 * down. Caller keys are the HMACs and addresses the services already use, never
 * raw tokens.
 */
export function createSharedCallerRateLimiter(options: SharedCallerRateLimitOptions): CallerRateLimiter {
  const { perSecond, burst } = options;
  if (!(perSecond > 0) || !(burst >= 1)) throw new Error("a rate limit needs perSecond > 0 and burst >= 1");
  const window = sharedWindow(perSecond, burst);
  const redis = new Redis(options.redisUrl, {
    // Fail at once while disconnected, so the fallback answers instead of a queue that waits.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 50,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2_000),
  });
  let up: boolean | undefined;
  const report = (now: boolean, error?: unknown) => {
    if (up === now) return;
    up = now;
    options.onRedisChange?.(now, error);
  };
  redis.on("ready", () => report(true));
  redis.on("error", (error: unknown) => report(false, error));
  redis.on("end", () => report(false));
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: options.keyPrefix,
    points: window.points,
    duration: window.seconds,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix: options.keyPrefix, points: window.points, duration: window.seconds }),
  });
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
