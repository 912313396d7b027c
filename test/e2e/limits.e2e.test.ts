/**
 * Limits on the client-facing services over real sockets: each caller's
 * request rate (store and gateway), message and metadata sizes (store), body
 * and header sizes (gateway), each answered with its own clear code.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { durationMs } from "@bufbuild/protobuf/wkt";
import { randomUUID } from "node:crypto";
import { ErrorInfoSchema, RetryInfoSchema, StatusSchema } from "@gatehouse/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, expectOk, grpc, storeClient, type StoreClient } from "../support/proto-client.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

let gatehouse: TestGatehouse;

// One token a second, three at once; small sizes so the tests stay cheap.
beforeAll(async () => {
  gatehouse = await startTestGatehouse(
    fromRoot("gatehouse.json"),
    {
      GATEHOUSE_RATE_LIMIT_PER_SECOND: "1",
      GATEHOUSE_RATE_LIMIT_BURST: "3",
      GATEHOUSE_MAX_MESSAGE_BYTES: "4096",
      GATEHOUSE_MAX_METADATA_BYTES: "4096",
      GATEWAY_MAX_BODY_BYTES: "2048",
      GATEWAY_MAX_HEADER_BYTES: "2048",
    },
    undefined,
    { gateway: true },
  );
});
afterAll(async () => gatehouse?.stop());

/** The ErrorInfo reason and RetryInfo delay of a gRPC error, read from grpc-status-details-bin. */
function detailsOf(error: grpc.ServiceError): { reason?: string; retryDelayMs?: number } {
  const [bytes] = error.metadata.get("grpc-status-details-bin");
  if (!Buffer.isBuffer(bytes)) return {};
  const found: { reason?: string; retryDelayMs?: number } = {};
  for (const any of fromBinary(StatusSchema, bytes).details) {
    if (any.typeUrl.endsWith("/google.rpc.ErrorInfo")) found.reason = fromBinary(ErrorInfoSchema, any.value).reason;
    if (any.typeUrl.endsWith("/google.rpc.RetryInfo")) {
      const delay = fromBinary(RetryInfoSchema, any.value).retryDelay;
      if (delay) found.retryDelayMs = durationMs(delay);
    }
  }
  return found;
}

const getMissingThread = (client: StoreClient) => client.call("ThreadService", "GetThread", { thread_id: randomUUID() });

// Every client here connects from 127.0.0.1, so requests with credentials the store has not verified
// yet share that address's bucket; tests that spend it first wait for it to fill up again.
const refillSourceBucket = () => new Promise((resolve) => setTimeout(resolve, 3_100));

describe("the store's per-caller rate limit", () => {
  it("answers a verified caller's burst over the limit with RESOURCE_EXHAUSTED, RATE_LIMITED and a RetryInfo delay, and lets it in again after the refill", async () => {
    const alice = storeClient(gatehouse.storeAddress, { authorization: "Bearer user1-token" });
    // The first request verifies the credential (charged to the source); from then on alice has her own bucket.
    expect(expectError(await getMissingThread(alice)).code).toBe(grpc.status.NOT_FOUND);
    const burst = await Promise.all(Array.from({ length: 3 }, () => getMissingThread(alice)));
    expect(burst.map((result) => expectError(result).code)).toEqual([grpc.status.NOT_FOUND, grpc.status.NOT_FOUND, grpc.status.NOT_FOUND]);

    const limited = expectError(await getMissingThread(alice));
    expect(limited.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(limited.metadata.get("retry-after")).toEqual(["1"]);
    const { reason, retryDelayMs } = detailsOf(limited);
    expect(reason).toBe("RATE_LIMITED");
    expect(retryDelayMs).toBeGreaterThan(0);
    expect(retryDelayMs).toBeLessThanOrEqual(1_000);

    await new Promise((resolve) => setTimeout(resolve, retryDelayMs! + 50));
    expect(expectError(await getMissingThread(alice)).code).toBe(grpc.status.NOT_FOUND);
    alice.close();
  });

  it("charges made-up tokens to their source, not each to a fresh bucket, while a verified caller goes on unaffected", async () => {
    await refillSourceBucket();
    const bob = storeClient(gatehouse.storeAddress, { authorization: "Bearer user2-token" });
    expectOk(await bob.call("ThreadService", "SearchThreads", {}));

    const flood = Array.from({ length: 6 }, () => storeClient(gatehouse.storeAddress, { authorization: `Bearer made-up-${randomUUID()}` }));
    const results = await Promise.all(flood.map((client) => getMissingThread(client)));
    for (const client of flood) client.close();
    const codes = results.map((result) => expectError(result).code);
    expect(codes.filter((code) => code === grpc.status.UNAUTHENTICATED).length).toBeLessThanOrEqual(3);
    expect(codes).toContain(grpc.status.RESOURCE_EXHAUSTED);

    const { thread } = expectOk(await bob.call("ThreadService", "CreateThread", {}));
    expect(expectOk(await bob.call("ThreadService", "GetThread", { thread_id: thread.thread_id })).thread.thread_id).toBe(thread.thread_id);
    bob.close();
  });
});

describe("the gateway's per-caller rate limit", () => {
  it("answers a caller over its rate 429 with Retry-After and the usual JSON body, while a caller the store accepted goes on", async () => {
    await refillSourceBucket();
    const search = (authorization: string) =>
      fetch(`${gatehouse.gatewayUrl}/threads/search`, { method: "POST", headers: { authorization, "content-type": "application/json" }, body: "{}" });
    // Accepted by the store once, alice's credential has a bucket of its own at the gateway from then on.
    expect((await search("Bearer user1-token")).status).toBe(200);

    const headers = { authorization: "Bearer gateway-flood" };
    const statuses: number[] = [];
    for (let n = 0; n < 2; n++) statuses.push((await fetch(`${gatehouse.gatewayUrl}/threads/${randomUUID()}`, { headers })).status);
    expect(statuses.every((status) => status === 401)).toBe(true);

    const limited = await fetch(`${gatehouse.gatewayUrl}/threads/${randomUUID()}`, { headers });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(await limited.json()).toEqual({ detail: "too many requests; retry later" });
    expect((await search("Bearer user1-token")).status).toBe(200);
  });

  it("passes the store's RESOURCE_EXHAUSTED on as 429 with the store's Retry-After", async () => {
    await refillSourceBucket();
    // Spend the store's tokens for this unverified credential's source (the gateway's address too) directly
    // over gRPC; the caller's gateway bucket stays full.
    const direct = storeClient(gatehouse.storeAddress, { authorization: "Bearer through-the-gateway" });
    for (let n = 0; n < 3; n++) await getMissingThread(direct);
    direct.close();

    const limited = await fetch(`${gatehouse.gatewayUrl}/threads/${randomUUID()}`, { headers: { authorization: "Bearer through-the-gateway" } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(await limited.json()).toEqual({ detail: "too many requests; retry later" });
  });
});

describe("message and metadata sizes on the store", () => {
  it("answers a request message over GATEHOUSE_MAX_MESSAGE_BYTES with RESOURCE_EXHAUSTED and MESSAGE_TOO_LARGE", async () => {
    const client = storeClient(gatehouse.storeAddress, { authorization: "Bearer sizes-message" });
    const metadata = { fields: { note: { stringValue: "x".repeat(8_000) } } };
    const error = expectError(await client.call("ThreadService", "CreateThread", { metadata }));
    expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error.details).toMatch(/^request message is \d+ bytes; the limit is 4096$/);
    expect(detailsOf(error).reason).toBe("MESSAGE_TOO_LARGE");
    client.close();
  });

  it("leaves a message more than 1 MiB past the limit to grpc-js, whose RESOURCE_EXHAUSTED has no ErrorInfo", async () => {
    const client = storeClient(gatehouse.storeAddress, { authorization: "Bearer sizes-message" });
    const metadata = { fields: { note: { stringValue: "x".repeat(4096 + 1024 * 1024) } } };
    const error = expectError(await client.call("ThreadService", "CreateThread", { metadata }));
    expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error.details).toMatch(/larger than max/);
    expect(detailsOf(error).reason).toBeUndefined();
    client.close();
  });

  it("answers request metadata over GATEHOUSE_MAX_METADATA_BYTES with RESOURCE_EXHAUSTED and METADATA_TOO_LARGE", async () => {
    const client = storeClient(gatehouse.storeAddress, { authorization: "Bearer sizes-metadata", "x-padding": "p".repeat(6_000) });
    const error = expectError(await getMissingThread(client));
    expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error.details).toMatch(/request metadata is \d+ bytes; the limit is 4096/);
    expect(detailsOf(error).reason).toBe("METADATA_TOO_LARGE");
    client.close();
  });

  it("cannot answer a 1 MB credential cleanly: Node's HTTP/2 layer resets the connection, which grpc-js reports as INTERNAL; the client's next call succeeds", async () => {
    const huge = storeClient(gatehouse.storeAddress, { authorization: `Bearer ${"t".repeat(1024 * 1024)}` });
    const error = expectError(await getMissingThread(huge));
    huge.close();
    expect(error.code).toBe(grpc.status.INTERNAL);
    expect(error.details).toBe("Received RST_STREAM with code 9");
    expect(detailsOf(error).reason).toBeUndefined();

    const bob = storeClient(gatehouse.storeAddress, { authorization: "Bearer user2-token" });
    expect(expectError(await getMissingThread(bob)).code).toBe(grpc.status.NOT_FOUND);
    bob.close();
  });
});

describe("body and header sizes on the gateway", () => {
  it("answers a body over GATEWAY_MAX_BODY_BYTES with 413", async () => {
    const response = await fetch(`${gatehouse.gatewayUrl}/threads`, {
      method: "POST",
      headers: { authorization: "Bearer user2-token", "content-type": "application/json" },
      body: JSON.stringify({ metadata: { note: "x".repeat(4_000) } }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ detail: "body: larger than 2048 bytes" });
  });

  it("answers headers over GATEWAY_MAX_HEADER_BYTES with 431", async () => {
    const response = await fetch(`${gatehouse.gatewayUrl}/threads/${randomUUID()}`, {
      headers: { authorization: "Bearer user2-token", "x-padding": "p".repeat(4_000) },
    });
    expect(response.status).toBe(431);
  });
});
