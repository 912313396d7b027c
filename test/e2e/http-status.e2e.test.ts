/**
 * The HTTP status an authenticate callback or a handler throws reaches the
 * LangGraph client unchanged through the gateway, even when several statuses
 * share one gRPC code on the hops between (402, 410 and 412 are all
 * FAILED_PRECONDITION inside).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

describe("HTTPException statuses through the gateway", () => {
  let gatehouse: TestGatehouse;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(fromRoot("test/fixtures/http-status.gatehouse.json"), {}, undefined, { gateway: true });
  });

  afterAll(async () => {
    await gatehouse?.stop();
  });

  const createThread = (token: string) =>
    fetch(`${gatehouse.gatewayUrl}/threads`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "{}",
    });

  it("a credential the authenticate callback rejects with 402 is answered 402", async () => {
    const response = await createThread("payment-due");
    expect(response.status).toBe(402);
    expect(await response.json()).toEqual({ detail: "rejected with 402" });
  });

  it("a credential the authenticate callback rejects with 410 is answered 410, from the cache too", async () => {
    for (let round = 0; round < 2; round++) {
      const response = await createThread("gone");
      expect(response.status).toBe(410);
      expect(await response.json()).toEqual({ detail: "rejected with 410" });
    }
  });

  it("a handler that throws 412 is answered 412 with its message", async () => {
    const response = await createThread("precondition");
    expect(response.status).toBe(412);
    expect(await response.json()).toEqual({ detail: "the thread's precondition failed" });
  });

  it("a handler that throws 402 is answered 402, while an allowed caller gets its thread", async () => {
    const [denied, allowed] = await Promise.all([createThread("unpaid"), createThread("alice")]);
    expect(denied.status).toBe(402);
    expect(await denied.json()).toEqual({ detail: "payment required to create threads" });
    expect(allowed.status).toBe(200);
    expect((await allowed.json()).metadata).toMatchObject({ owner: "alice" });
  });
});
