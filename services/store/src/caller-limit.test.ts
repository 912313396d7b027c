import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { ErrorInfoSchema, RetryInfoSchema } from "@gatehouse/contracts";
import { createCallerRateLimiter, createProvenCredentials } from "@gatehouse/server";
import { describe, expect, it } from "vitest";
import { createCallerLimit } from "./caller-limit.js";

function context(headers: Record<string, string>, peerAddress: string): HandlerContext {
  return { requestHeader: new Headers(headers), peerAddress } as unknown as HandlerContext;
}

function limit(clock = { now: 0 }) {
  const limiter = createCallerRateLimiter({ perSecond: 1, burst: 1, maxCallers: 100, now: () => clock.now });
  return createCallerLimit(limiter, ["authorization"], createProvenCredentials({ ttlMs: 60_000, max: 2, now: () => clock.now }));
}

describe("the store's caller limit", () => {
  it("keys a credential that authenticated a user by its credential key, wherever it connects from", async () => {
    const check = limit();
    check.verified("key-a");
    check.verified("key-b");
    await check.charge(context({ authorization: "Bearer a" }, "10.0.0.1"), "key-a", false);
    await expect(check.charge(context({ authorization: "Bearer a" }, "10.0.0.2"), "key-a", false)).rejects.toThrow(ConnectError);
    await expect(check.charge(context({ authorization: "Bearer b" }, "10.0.0.1"), "key-b", false)).resolves.toBeUndefined();
  });

  it("keys a credential an identity cache holds a user for by its key, before it proved itself here", async () => {
    const check = limit();
    await check.charge(context({ authorization: "Bearer a" }, "10.0.0.1"), "key-a", true);
    await expect(check.charge(context({ authorization: "Bearer other" }, "10.0.0.1"), "key-x", false)).resolves.toBeUndefined();
    await expect(check.charge(context({ authorization: "Bearer a" }, "10.0.0.2"), "key-a", true)).rejects.toThrow(ConnectError);
  });

  it("charges credentials not yet proven to their source address, so made-up tokens cannot each get a fresh bucket", async () => {
    const check = limit();
    await check.charge(context({ authorization: "Bearer made-up-1" }, "10.0.0.1"), "key-1", false);
    await expect(check.charge(context({ authorization: "Bearer made-up-2" }, "10.0.0.1"), "key-2", false)).rejects.toThrow(ConnectError);
    await expect(check.charge(context({ authorization: "Bearer made-up-3" }, "10.0.0.2"), "key-3", false)).resolves.toBeUndefined();
  });

  it("keys callers without a credential by address even once that shared key proved good, so they never share one bucket", async () => {
    const check = limit();
    check.verified("anonymous");
    await check.charge(context({}, "10.0.0.1"), "anonymous", false);
    await expect(check.charge(context({}, "10.0.0.2"), "anonymous", false)).resolves.toBeUndefined();
    await expect(check.charge(context({}, "10.0.0.1"), "anonymous", false)).rejects.toThrow(ConnectError);
  });

  it("forgets a proof after its lifetime, and the oldest proof past its cap", async () => {
    const clock = { now: 0 };
    const check = limit(clock);
    check.verified("key-a");
    clock.now = 60_001;
    await check.charge(context({ authorization: "Bearer a" }, "10.0.0.1"), "key-a", false);
    await expect(check.charge(context({ authorization: "Bearer other" }, "10.0.0.1"), "key-x", false)).rejects.toThrow(ConnectError);

    // With room for two, proving d forgets b: b's requests go back to their addresses' buckets, c's stay on its own.
    check.verified("key-b");
    check.verified("key-c");
    check.verified("key-d");
    await check.charge(context({ authorization: "Bearer b" }, "10.0.0.7"), "key-b", false);
    await expect(check.charge(context({ authorization: "Bearer b" }, "10.0.0.8"), "key-b", false)).resolves.toBeUndefined();
    await check.charge(context({ authorization: "Bearer c" }, "10.0.0.5"), "key-c", false);
    await expect(check.charge(context({ authorization: "Bearer c" }, "10.0.0.6"), "key-c", false)).rejects.toThrow(ConnectError);
  });

  it("charges one RPC once, even when it is authorized for two events", async () => {
    const check = limit();
    const call = context({ authorization: "Bearer a" }, "10.0.0.1");
    await check.charge(call, "key-a", false);
    await expect(check.charge(call, "key-a", false)).resolves.toBeUndefined();
  });

  it("throws RESOURCE_EXHAUSTED with reason RATE_LIMITED, a RetryInfo delay and a retry-after trailer", async () => {
    const check = limit();
    check.verified("key-a");
    await check.charge(context({ authorization: "Bearer a" }, "10.0.0.1"), "key-a", false);
    let thrown: unknown;
    try {
      await check.charge(context({ authorization: "Bearer a" }, "10.0.0.1"), "key-a", false);
    } catch (error) {
      thrown = error;
    }
    const error = thrown as ConnectError;
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.findDetails(ErrorInfoSchema)[0]?.reason).toBe("RATE_LIMITED");
    expect(Number(error.findDetails(RetryInfoSchema)[0]?.retryDelay?.seconds)).toBe(1);
    expect(error.metadata.get("retry-after")).toBe("1");
  });
});
