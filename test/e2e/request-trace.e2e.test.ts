/**
 * One request followed across services: the gateway, the store, authn and
 * authz each log the caller's request id and W3C trace id, every hop as its
 * own span under the previous one, and the caller gets its request id back.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, grpc, storeClient } from "../support/proto-client.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

type LogRecord = Record<string, unknown> & { service: string };

describe("a request id and trace context that follow a call across services", () => {
  let gatehouse: TestGatehouse;
  const records: LogRecord[] = [];

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(
      fromRoot("gatehouse.json"),
      { LOG_LEVEL: "debug" },
      (service, line) => {
        if (line.startsWith("{")) records.push({ ...(JSON.parse(line) as Record<string, unknown>), service });
      },
      { gateway: true },
    );
  });

  afterAll(async () => {
    await gatehouse?.stop();
  });

  const recordsOf = (requestId: string) => async () => {
    // Logs are written asynchronously; give the last lines a moment to arrive.
    await new Promise((resolve) => setTimeout(resolve, 300));
    return records.filter((record) => record.request_id === requestId);
  };

  it("every service logs the caller's request id and trace id, each hop a child span of the one before", async () => {
    const requestId = `req-${randomUUID()}`;
    const traceId = randomBytes(16).toString("hex");
    const callerSpan = randomBytes(8).toString("hex");
    // A token no service has seen yet, so authn verifies it and logs that.
    const response = await fetch(`${gatehouse.gatewayUrl}/threads`, {
      method: "POST",
      headers: {
        authorization: "Bearer user1-token",
        "content-type": "application/json",
        "x-request-id": requestId,
        traceparent: `00-${traceId}-${callerSpan}-01`,
      },
      body: JSON.stringify({ metadata: {} }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe(requestId);

    const trail = await recordsOf(requestId)();
    const line = (service: string, msg: string) => trail.find((record) => record.service === service && record.msg === msg);
    const gateway = line("gateway", "request");
    const store = line("store", "rpc");
    const authn = line("authn", "credential verified");
    const authz = line("authz", "decision");
    for (const record of [gateway, store, authn, authz]) {
      expect(record).toMatchObject({ request_id: requestId, trace_id: traceId });
      expect(record!.span_id).toMatch(/^[0-9a-f]{16}$/);
    }
    const spans = new Set([callerSpan, gateway!.span_id, store!.span_id, authn!.span_id, authz!.span_id]);
    expect(spans.size).toBe(5);
  });

  it("a gRPC caller gets its own request id back in the trailers, even on an error, and none it did not send", async () => {
    const requestId = `req-${randomUUID()}`;
    const withId = storeClient(gatehouse.storeAddress, { authorization: "Bearer user1-token", "x-request-id": requestId });
    const withoutId = storeClient(gatehouse.storeAddress, { authorization: "Bearer user1-token" });
    try {
      const missing = expectError(await withId.call("ThreadService", "GetThread", { thread_id: randomUUID() }));
      expect(missing.code).toBe(grpc.status.NOT_FOUND);
      expect(missing.metadata.get("x-request-id")).toEqual([requestId]);
      const anonymous = expectError(await withoutId.call("ThreadService", "GetThread", { thread_id: randomUUID() }));
      expect(anonymous.metadata.get("x-request-id")).toEqual([]);
      expect((await recordsOf(requestId)()).some((record) => record.service === "store" && record.code === "NOT_FOUND")).toBe(true);
    } finally {
      withId.close();
      withoutId.close();
    }
  });

  it("no log line carries the token", () => {
    expect(records.length).toBeGreaterThan(0);
    expect(records.filter((record) => JSON.stringify(record).includes("user1-token"))).toEqual([]);
  });
});
