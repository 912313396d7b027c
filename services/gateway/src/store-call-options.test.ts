import { afterEach, describe, expect, it, vi } from "vitest";
import { storeCallOptions } from "./store-call-options.js";

describe("storeCallOptions", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("gives each later store call only what is left of the request's deadline", () => {
    vi.useFakeTimers({ now: 1_000 });
    const options = storeCallOptions(new Headers(), new AbortController().signal, 1_000 + 5_000);
    expect(options.timeoutMs).toBe(5_000);
    vi.advanceTimersByTime(1_500);
    expect(options.timeoutMs).toBe(3_500);
  });

  it("never hands out a zero or negative timeout once the deadline has passed", () => {
    vi.useFakeTimers({ now: 10_000 });
    expect(storeCallOptions(new Headers(), new AbortController().signal, 9_000).timeoutMs).toBe(1);
  });
});
