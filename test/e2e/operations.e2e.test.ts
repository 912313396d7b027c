/** Operating Gatehouse: health, reflection, a database outage, and SIGTERM under load. */
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type Cluster } from "@gatehouse/launcher";
import { checkHealth, waitForHealth } from "../support/health-client.js";
import { expectError, expectOk, grpc, storeClient } from "../support/proto-client.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

describe("health, reflection and metrics", () => {
  let gatehouse: TestGatehouse;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(fromRoot("gatehouse.json"), { METRICS_PORT: "0" }, undefined, { gateway: true });
  });
  afterAll(async () => gatehouse?.stop());

  it("store and authz report SERVING, for the server and for each service", async () => {
    await waitForHealth(gatehouse.storeAddress, "SERVING");
    expect(await checkHealth(gatehouse.storeAddress, "gatehouse.store.v1.ThreadService")).toBe("SERVING");
    expect(await checkHealth(gatehouse.cluster.authz.address, "gatehouse.authz.v1.AuthzService")).toBe("SERVING");
  });

  it("/metrics shows the counters moving: RPCs by method and code, identity lookups, decisions, pool use", async () => {
    const scrape = async (address: string | undefined) => (await fetch(`http://${address}/metrics`)).text();
    const sample = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
    const getOk = /gatehouse_rpcs_total\{method="\/gatehouse.store.v1.ThreadService\/GetThread",code="OK",service="store"\} (\d+)/;
    const getNotFound = /gatehouse_rpcs_total\{method="\/gatehouse.store.v1.ThreadService\/GetThread",code="NOT_FOUND",service="store"\} (\d+)/;
    const l1Hits = /gatehouse_identity_lookups_total\{source="l1",service="store"\} (\d+)/;
    const readAllowed = /gatehouse_authz_decisions_total\{event="threads:read",outcome="allow:filter",service="authz"\} (\d+)/;
    const storeBefore = await scrape(gatehouse.cluster.store.metricsAddress);
    const authzBefore = await scrape(gatehouse.cluster.authz.metricsAddress);

    const alice = storeClient(gatehouse.storeAddress, { authorization: "Bearer user1-token" });
    const { thread } = expectOk(await alice.call("ThreadService", "CreateThread", {}));
    expectOk(await alice.call("ThreadService", "GetThread", { thread_id: thread.thread_id }));
    expectOk(await alice.call("ThreadService", "GetThread", { thread_id: thread.thread_id }));
    expectError(await alice.call("ThreadService", "GetThread", { thread_id: randomUUID() }));
    alice.close();

    const storeAfter = await scrape(gatehouse.cluster.store.metricsAddress);
    const authzAfter = await scrape(gatehouse.cluster.authz.metricsAddress);
    expect(sample(storeAfter, getOk) - sample(storeBefore, getOk)).toBe(2);
    expect(sample(storeAfter, getNotFound) - sample(storeBefore, getNotFound)).toBe(1);
    expect(sample(storeAfter, l1Hits)).toBeGreaterThan(sample(storeBefore, l1Hits));
    expect(sample(authzAfter, readAllowed) - sample(authzBefore, readAllowed)).toBe(3);
    expect(storeAfter).toMatch(/gatehouse_db_pool_connections\{state="total",service="store"\} [1-9]/);
    expect(storeAfter).toContain("gatehouse_rpc_seconds_bucket");
  });

  it("the gateway's /metrics counts requests by route pattern and status, and authn counts RPCs and identity lookups", async () => {
    const scrape = async (address: string | undefined) => (await fetch(`http://${address}/metrics`)).text();
    const sample = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
    const getThread = /gatehouse_http_requests_total\{method="GET",route="\/threads\/:thread_id",status="200",service="gateway"\} (\d+)/;
    const missingThread = /gatehouse_http_requests_total\{method="GET",route="\/threads\/:thread_id",status="404",service="gateway"\} (\d+)/;
    // gatehouse.json serves the example's custom routes, so a path no built-in route has is theirs, and their 404.
    const noRoute = /gatehouse_http_requests_total\{method="GET",route="\(custom route\)",status="404",service="gateway"\} (\d+)/;
    const authenticated = /gatehouse_rpcs_total\{method="\/gatehouse.authn.v1.AuthnService\/Authenticate",code="OK",service="authn"\} (\d+)/;
    const verified = /gatehouse_identity_lookups_total\{source="verify",service="authn"\} (\d+)/;
    const gatewayBefore = await scrape(gatehouse.cluster.gateway?.metricsAddress);
    const authnBefore = await scrape(gatehouse.cluster.authn.metricsAddress);

    // A token no earlier test used, so the store misses its caches and asks authn.
    const bob = { authorization: "Bearer user2-token" };
    const created = await fetch(`${gatehouse.gatewayUrl}/threads`, { method: "POST", headers: { ...bob, "content-type": "application/json" }, body: "{}" });
    const { thread_id } = (await created.json()) as { thread_id: string };
    expect((await fetch(`${gatehouse.gatewayUrl}/threads/${thread_id}`, { headers: bob })).status).toBe(200);
    expect((await fetch(`${gatehouse.gatewayUrl}/threads/${randomUUID()}`, { headers: bob })).status).toBe(404);
    expect((await fetch(`${gatehouse.gatewayUrl}/no/such/${randomUUID()}`, { headers: bob })).status).toBe(404);

    const gatewayAfter = await scrape(gatehouse.cluster.gateway?.metricsAddress);
    const authnAfter = await scrape(gatehouse.cluster.authn.metricsAddress);
    expect(sample(gatewayAfter, getThread) - sample(gatewayBefore, getThread)).toBe(1);
    expect(sample(gatewayAfter, missingThread) - sample(gatewayBefore, missingThread)).toBe(1);
    expect(sample(gatewayAfter, noRoute) - sample(gatewayBefore, noRoute)).toBe(1);
    expect(gatewayAfter).toContain("gatehouse_http_request_seconds_bucket");
    expect(gatewayAfter).not.toContain(thread_id);
    expect(sample(authnAfter, authenticated) - sample(authnBefore, authenticated)).toBeGreaterThanOrEqual(1);
    expect(sample(authnAfter, verified) - sample(authnBefore, verified)).toBeGreaterThanOrEqual(1);
    expect(authnAfter).toContain("gatehouse_rpc_seconds_bucket");
  });

  it("an unknown service name is NOT_FOUND", async () => {
    await expect(checkHealth(gatehouse.storeAddress, "no.such.Service")).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });
});

describe("a database outage", () => {
  let db: PGlite;
  let socket: PGLiteSocketServer;
  let port: number;
  let cluster: Cluster;

  beforeAll(async () => {
    db = new PGlite();
    socket = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0 });
    await socket.start();
    port = Number(socket.getServerConn().split(":")[1]);
    cluster = await startCluster({
      configPath: fromRoot("gatehouse.json"),
      databaseUrl: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
      databasePoolMax: 1,
      env: { LOG_LEVEL: "silent", GATEHOUSE_HEALTH_INTERVAL_MS: "200" },
    });
  });

  afterAll(async () => {
    await cluster?.stop();
    await socket?.stop();
    await db?.close();
  });

  it("turns the store NOT_SERVING and its calls UNAVAILABLE, then recovers by itself", async () => {
    const alice = storeClient(cluster.store.address, { authorization: "Bearer user1-token" });
    await waitForHealth(cluster.store.address, "SERVING");
    const { thread } = expectOk(await alice.call("ThreadService", "CreateThread", {}));

    await socket.stop();
    await waitForHealth(cluster.store.address, "NOT_SERVING");
    const during = expectError(await alice.call("ThreadService", "GetThread", { thread_id: thread.thread_id }));
    expect(during.code).toBe(grpc.status.UNAVAILABLE);
    expect(during.details).toBe("the database is unavailable");

    socket = new PGLiteSocketServer({ db, host: "127.0.0.1", port });
    await socket.start();
    await waitForHealth(cluster.store.address, "SERVING");
    expect(expectOk(await alice.call("ThreadService", "GetThread", { thread_id: thread.thread_id })).thread.thread_id).toBe(thread.thread_id);
    alice.close();
  });
});

describe("SIGTERM under load", () => {
  let gatehouse: TestGatehouse;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(fromRoot("gatehouse.json"));
  });
  afterAll(async () => gatehouse?.stop());

  it("flips health, finishes in-flight calls, exits 0, and loses no accepted write", async () => {
    const alice = storeClient(gatehouse.storeAddress, { authorization: "Bearer user1-token" });
    await waitForHealth(gatehouse.storeAddress, "SERVING");
    const tag = randomUUID();
    const accepted: string[] = [];
    const failures = new Set<number>();
    let running = true;
    const writer = async () => {
      while (running) {
        const result = await alice.call("ThreadService", "CreateThread", { metadata: { fields: { tag: { stringValue: tag } } } });
        if (result.ok) accepted.push(result.value.thread.thread_id);
        else failures.add(result.error.code);
      }
    };
    const writers = Array.from({ length: 8 }, writer);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const exited = new Promise<number | null>((resolve) => gatehouse.cluster.store.child.once("exit", (code) => resolve(code)));
    gatehouse.cluster.store.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    running = false;
    await Promise.all(writers);
    alice.close();

    // Calls after the shutdown began fail with a retryable code; every write that was answered OK is stored.
    expect([...failures].every((code) => code === grpc.status.UNAVAILABLE || code === grpc.status.CANCELLED)).toBe(true);
    expect(accepted.length).toBeGreaterThan(0);
    if (!gatehouse.database.real) return;
    const client = new pg.Client({ connectionString: gatehouse.database.url });
    await client.connect();
    const { rows } = await client.query<{ thread_id: string }>("SELECT thread_id FROM threads WHERE metadata @> $1::jsonb", [JSON.stringify({ tag })]);
    await client.end();
    expect(new Set(rows.map((row) => row.thread_id))).toEqual(new Set(accepted));
  });
});
