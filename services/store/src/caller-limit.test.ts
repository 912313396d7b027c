import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { ErrorInfoSchema, RetryInfoSchema } from "@gatehouse/contracts";
import { createCallerRateLimiter } from "@gatehouse/server";
import { describe, expect, it } from "vitest";
import { createCallerLimit } from "./caller-limit.js";

function context(headers: Record<string, string>, peerAddress: string): HandlerContext {
  return { requestHeader: new Headers(headers), peerAddress } as unknown as HandlerContext;
}

function limit() {
  const limiter = createCallerRateLimiter({ perSecond: 1, burst: 1, maxCallers: 100, now: () => 0 });
  return createCallerLimit(limiter);
}

describe("the store's caller limit", () => {
  it("keys a caller with a verified credential by its credential key, wherever it connects from", () => {
    const check = limit();
    check(context({ authorization: "Bearer a" }, "10.0.0.1"), "key-a", true);
    expect(() => check(context({ authorization: "Bearer a" }, "10.0.0.2"), "key-a", true)).toThrow(ConnectError);
    expect(() => check(context({ authorization: "Bearer b" }, "10.0.0.1"), "key-b", true)).not.toThrow();
  });

  it("keys an unverified credential by its address, so made-up tokens cannot each get a fresh bucket", () => {
    const check = limit();
    check(context({ authorization: "Bearer made-up-1" }, "10.0.0.1"), "key-1", false);
    expect(() => check(context({ authorization: "Bearer made-up-2" }, "10.0.0.1"), "key-2", false)).toThrow(ConnectError);
    expect(() => check(context({ authorization: "Bearer made-up-3" }, "10.0.0.2"), "key-3", false)).not.toThrow();
  });

  it("keys a caller without a credential by its address, so anonymous callers do not share one bucket", () => {
    const check = limit();
    check(context({}, "10.0.0.1"), "anonymous", false);
    expect(() => check(context({}, "10.0.0.2"), "anonymous", false)).not.toThrow();
    expect(() => check(context({}, "10.0.0.1"), "anonymous", false)).toThrow(ConnectError);
  });

  it("charges one RPC once, even when it is authorized for two events", () => {
    const check = limit();
    const call = context({ authorization: "Bearer a" }, "10.0.0.1");
    check(call, "key-a", true);
    expect(() => check(call, "key-a", true)).not.toThrow();
  });

  it("throws RESOURCE_EXHAUSTED with reason RATE_LIMITED, a RetryInfo delay and a retry-after trailer", () => {
    const check = limit();
    check(context({ authorization: "Bearer a" }, "10.0.0.1"), "key-a", true);
    let thrown: unknown;
    try {
      check(context({ authorization: "Bearer a" }, "10.0.0.1"), "key-a", true);
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
