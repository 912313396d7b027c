import type { IncomingMessage } from "node:http";
import { createCallerRateLimiter, createProvenCredentials } from "@gatehouse/server";
import { describe, expect, it } from "vitest";
import { HttpError } from "./errors.js";
import { createCallerLimit } from "./caller-limit.js";

const request = (headers: Record<string, string>, remoteAddress: string) => ({ headers, socket: { remoteAddress } }) as unknown as IncomingMessage;

function limit() {
  const limiter = createCallerRateLimiter({ perSecond: 1, burst: 1, maxCallers: 100, now: () => 0 });
  return createCallerLimit(limiter, ["authorization"], createProvenCredentials({ now: () => 0 }));
}

describe("the gateway's caller limit", () => {
  it("charges credentials the store has not accepted to their address, so made-up tokens cannot each get a fresh bucket", async () => {
    const check = limit();
    await check.charge(request({ authorization: "Bearer made-up-1" }, "10.0.0.1"));
    await expect(check.charge(request({ authorization: "Bearer made-up-2" }, "10.0.0.1"))).rejects.toThrow(HttpError);
    await expect(check.charge(request({ authorization: "Bearer made-up-3" }, "10.0.0.2"))).resolves.toEqual(expect.any(String));
  });

  it("gives a credential the store accepted a bucket of its own, wherever it comes from", async () => {
    const check = limit();
    const key = (await check.charge(request({ authorization: "Bearer good" }, "10.0.0.1")))!;
    check.accepted(key);
    await check.charge(request({ authorization: "Bearer good" }, "10.0.0.1"));
    await expect(check.charge(request({ authorization: "Bearer good" }, "10.0.0.2"))).rejects.toThrow(HttpError);
    await expect(check.charge(request({ authorization: "Bearer other" }, "10.0.0.3"))).resolves.toEqual(expect.any(String));
  });

  it("returns no key for a request without a credential, which is always charged to its address", async () => {
    const check = limit();
    expect(await check.charge(request({}, "10.0.0.1"))).toBeUndefined();
    await expect(check.charge(request({}, "10.0.0.1"))).rejects.toThrow(HttpError);
  });

  it("answers 429 with Retry-After in whole seconds", async () => {
    const check = limit();
    await check.charge(request({}, "10.0.0.1"));
    let thrown: unknown;
    try {
      await check.charge(request({}, "10.0.0.1"));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ status: 429, headers: { "retry-after": "1" } });
  });
});
