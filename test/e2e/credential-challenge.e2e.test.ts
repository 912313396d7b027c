/**
 * An oversize credential is a 401 like any other: UNAUTHENTICATED with an
 * RFC 6750 `www-authenticate` challenge at the store (in the trailers) and
 * at the gateway (a response header), so a client knows how to retry.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, grpc, storeClient } from "../support/proto-client.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

let gatehouse: TestGatehouse;

beforeAll(async () => {
  gatehouse = await startTestGatehouse(fromRoot("gatehouse.json"), { GATEHOUSE_MAX_CREDENTIAL_BYTES: "1024" }, undefined, { gateway: true });
});
afterAll(async () => gatehouse?.stop());

const oversize = `Bearer ${"a".repeat(4 * 1024)}`;

describe("a credential over GATEHOUSE_MAX_CREDENTIAL_BYTES", () => {
  it("answers UNAUTHENTICATED with an invalid_request challenge over gRPC", async () => {
    const client = storeClient(gatehouse.storeAddress, { authorization: oversize });
    const error = expectError(await client.call("ThreadService", "SearchThreads", {}));
    client.close();
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(error.details).toBe("header authorization is too large");
    expect(error.metadata.get("www-authenticate")).toEqual(['Bearer error="invalid_request"']);
  });

  it("answers 401 with the same challenge at the gateway", async () => {
    const response = await fetch(`${gatehouse.gatewayUrl}/threads/search`, {
      method: "POST",
      headers: { authorization: oversize, "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_request"');
  });
});
