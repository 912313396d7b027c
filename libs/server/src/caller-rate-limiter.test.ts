import { defineConfig } from "@gatehouse/config";
import { describe, expect, it } from "vitest";
import { callerRateLimiterOf, createCallerRateLimiter } from "./caller-rate-limiter.js";
import { rateLimitSettings } from "./settings.js";
import { sharedLimits } from "./shared-rate-limiter.js";

function clock() {
  let time = 1_000;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

describe("createCallerRateLimiter", () => {
  it("lets a caller spend its burst at once, then tells it how long until the next token", () => {
    const { now } = clock();
    const limiter = createCallerRateLimiter({ perSecond: 10, burst: 3, maxCallers: 100, now });
    expect([limiter.take("alice"), limiter.take("alice"), limiter.take("alice")]).toEqual([0, 0, 0]);
    expect(limiter.take("alice")).toBe(100);
  });

  it("refills at the configured rate, never beyond the burst", () => {
    const { now, advance } = clock();
    const limiter = createCallerRateLimiter({ perSecond: 10, burst: 2, maxCallers: 100, now });
    limiter.take("alice");
    limiter.take("alice");
    advance(50);
    expect(limiter.take("alice")).toBe(50);
    advance(50);
    expect(limiter.take("alice")).toBe(0);
    advance(60_000);
    expect([limiter.take("alice"), limiter.take("alice"), limiter.take("alice")]).toEqual([0, 0, 100]);
  });

  it("keeps one bucket per caller, so one caller's burst does not limit another", () => {
    const { now } = clock();
    const limiter = createCallerRateLimiter({ perSecond: 1, burst: 1, maxCallers: 100, now });
    expect(limiter.take("alice")).toBe(0);
    expect(limiter.take("alice")).toBe(1_000);
    expect(limiter.take("bob")).toBe(0);
  });

  it("forgets callers whose buckets have refilled, so idle callers cost no memory", () => {
    const { now, advance } = clock();
    const limiter = createCallerRateLimiter({ perSecond: 10, burst: 5, maxCallers: 100, now });
    for (let n = 0; n < 20; n++) limiter.take(`caller-${n}`);
    expect(limiter.size).toBe(20);
    advance(500);
    limiter.take("alice");
    expect(limiter.size).toBe(1);
  });

  it("tracks at most maxCallers, forgetting the least recently seen", () => {
    const { now } = clock();
    const limiter = createCallerRateLimiter({ perSecond: 1, burst: 1, maxCallers: 2, now });
    limiter.take("alice");
    limiter.take("bob");
    limiter.take("alice");
    limiter.take("carol");
    expect(limiter.size).toBe(2);
    // bob was forgotten, alice was not: alice is still limited.
    expect(limiter.take("alice")).toBeGreaterThan(0);
  });

  it("refuses limits that could never admit a request", () => {
    expect(() => createCallerRateLimiter({ perSecond: 0, burst: 1, maxCallers: 1 })).toThrow();
    expect(() => createCallerRateLimiter({ perSecond: 1, burst: 0, maxCallers: 1 })).toThrow();
  });
});

describe("sharedLimits", () => {
  it("counts the rate per second and the rest of the burst as an allowance back when a full bucket would be", () => {
    expect(sharedLimits(500, 1000)).toEqual({ rate: { seconds: 1, points: 500 }, burst: { seconds: 2, points: 500 } });
    expect(sharedLimits(1, 3)).toEqual({ rate: { seconds: 1, points: 1 }, burst: { seconds: 3, points: 2 } });
  });

  it("needs no burst allowance, and holds the rate exactly, when the burst is no larger than the rate", () => {
    expect(sharedLimits(4, 4)).toEqual({ rate: { seconds: 1, points: 4 } });
    expect(sharedLimits(500, 100)).toEqual({ rate: { seconds: 1, points: 500 } });
  });

  it("admits the whole burst at once, and sustains at most the rate plus the allowance per its window", () => {
    for (const [perSecond, burst] of [[1, 1_000], [500, 1_000], [3, 7], [100, 101]] as const) {
      const { rate, burst: extra } = sharedLimits(perSecond, burst);
      expect(rate.points + (extra?.points ?? 0)).toBe(burst);
      const sustained = rate.points / rate.seconds + (extra ? extra.points / extra.seconds : 0);
      expect(sustained).toBeLessThan(2 * perSecond);
    }
  });
});

describe("callerRateLimiterOf", () => {
  // The values as a service reads them with its configuration. Without a Redis target the limit is this
  // process's own; the shared one is tested against Redis in test/e2e.
  const limiterFor = (env: NodeJS.ProcessEnv) => callerRateLimiterOf("store", defineConfig("store", rateLimitSettings).read(env));

  it("is on by default and off when the rate or the burst is 0", () => {
    expect(limiterFor({})).toBeDefined();
    expect(limiterFor({ GATEHOUSE_RATE_LIMIT_PER_SECOND: "0" })).toBeUndefined();
    expect(limiterFor({ GATEHOUSE_RATE_LIMIT_PER_SECOND: "5", GATEHOUSE_RATE_LIMIT_BURST: "0" })).toBeUndefined();
  });

  it("names the variable of a value that is not a count", () => {
    expect(() => limiterFor({ GATEHOUSE_RATE_LIMIT_PER_SECOND: "fast" })).toThrow(/GATEHOUSE_RATE_LIMIT_PER_SECOND/);
  });
});
