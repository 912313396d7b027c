/**
 * Custom routes (README "Custom routes"): gatehouse.json's `http.app`, the
 * example's Hono app, served by the gateway beside the LangGraph API, with
 * every request authenticated by the store exactly as the built-in routes'
 * are, over real sockets with authn, authz, store and gateway as separate
 * processes. A test-only app that declares built-in paths shows those stay
 * Gatehouse's.
 */
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, expectOk, storeClient } from "../support/proto-client.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

const alice = { authorization: "Bearer user1-token" };
const bob = { authorization: "Bearer user2-token" };
const maxBodyBytes = 4096;

/** Status, challenge and body of an answer, to compare a custom route's with a built-in one's. */
async function answerOf(response: Response) {
  return { status: response.status, challenge: response.headers.get("www-authenticate"), body: await response.json() };
}

describe("the example's custom routes (gatehouse.json)", () => {
  let gatehouse: TestGatehouse;
  const call = (path: string, init: RequestInit = {}) => fetch(`${gatehouse.gatewayUrl}${path}`, init);

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(fromRoot("gatehouse.json"), { GATEWAY_MAX_BODY_BYTES: String(maxBodyBytes) }, undefined, { gateway: true, topology: "split" });
  });

  afterAll(async () => {
    await gatehouse?.stop();
  });

  it("GET /me answers alice her identity and bob his", async () => {
    const [mine, his] = await Promise.all([call("/me", { headers: alice }), call("/me", { headers: bob })]);
    expect(mine.status).toBe(200);
    expect(await mine.json()).toEqual({ identity: "user1", display_name: "Alice", permissions: [] });
    expect(await his.json()).toEqual({ identity: "user2", display_name: "Bob", permissions: [] });
  });

  it("a path parameter reaches the app with the caller", async () => {
    expect(await (await call("/hello/world", { headers: bob })).json()).toEqual({ greeting: "Hello, world!", from: "user2" });
  });

  it("a POST body reaches the app", async () => {
    const response = await call("/echo", { method: "POST", headers: { ...alice, "content-type": "application/json" }, body: JSON.stringify({ note: "hi" }) });
    expect(await response.json()).toEqual({ from: "user1", received: { note: "hi" } });
  });

  it.each([
    ["no token", {}],
    ["an unknown token", { authorization: "Bearer mallory-token" }],
    ["a malformed header", { authorization: "Basic dXNlcjE=" }],
  ])("%s is refused 401 with a challenge, exactly as a built-in route refuses it", async (_what, headers) => {
    const custom = await answerOf(await call("/me", { headers }));
    const builtIn = await answerOf(await call("/threads/search", { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: "{}" }));
    expect(custom.status).toBe(401);
    expect(custom.challenge).toMatch(/^Bearer/);
    expect(custom).toEqual(builtIn);
  });

  it("an unknown path is 404 for a known caller, and 401 for anyone else: the app is reached only authenticated", async () => {
    const missing = await call("/no/such/path", { headers: alice });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ detail: "Not Found" });
    expect((await call("/no/such/path")).status).toBe(401);
  });

  it("a body over the gateway's limit is 413, as on the built-in routes", async () => {
    const body = JSON.stringify({ note: "x".repeat(maxBodyBytes) });
    const response = await call("/echo", { method: "POST", headers: { ...alice, "content-type": "application/json" }, body });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ detail: `body: larger than ${maxBodyBytes} bytes` });
  });

  it("the store's CallerService.GetCaller, which the gateway asks, answers a gRPC client too, and refuses a bad credential", async () => {
    const client = storeClient(gatehouse.storeAddress, alice);
    const stranger = storeClient(gatehouse.storeAddress, { authorization: "Bearer mallory-token" });
    try {
      expect(expectOk(await client.call("CallerService", "GetCaller", {})).user).toMatchObject({ identity: "user1", display_name: "Alice", is_authenticated: true });
      expect(expectError(await stranger.call("CallerService", "GetCaller", {})).code).toBe(grpc.status.UNAUTHENTICATED);
    } finally {
      client.close();
      stranger.close();
    }
  });

  it("the caller's request id is echoed, as on every route", async () => {
    const response = await call("/me", { headers: { ...alice, "x-request-id": "custom-route-1" } });
    expect(response.headers.get("x-request-id")).toBe("custom-route-1");
  });
});

describe("an app that declares built-in paths (test/fixtures/shadowing-app.ts)", () => {
  let gatehouse: TestGatehouse;
  const call = (path: string, init: RequestInit = {}) => fetch(`${gatehouse.gatewayUrl}${path}`, init);

  beforeAll(async () => {
    // The combined topology: the gateway asks the same store RPC there.
    gatehouse = await startTestGatehouse(fromRoot("test/fixtures/shadowing-app.gatehouse.json"), {}, undefined, { gateway: true, topology: "combined" });
  });

  afterAll(async () => {
    await gatehouse?.stop();
  });

  it("its other routes are served", async () => {
    expect(await (await call("/whoami", { headers: alice })).text()).toBe("user1");
  });

  it("GET /ok is still Gatehouse's", async () => {
    expect(await (await call("/ok")).json()).toEqual({ ok: true });
  });

  it("POST /threads/search is still Gatehouse's, authorized: a list of the caller's threads, and 401 without a credential", async () => {
    const search = (headers: Record<string, string>) => call("/threads/search", { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: "{}" });
    const found = await search(alice);
    expect(found.status).toBe(200);
    expect(Array.isArray(await found.json())).toBe(true);
    expect((await search({})).status).toBe(401);
  });

  it("the app's own 404 is passed on as it wrote it", async () => {
    const response = await call("/nowhere", { headers: alice });
    expect(response.status).toBe(404);
    expect(await response.text()).toBe("404 Not Found");
  });
});
