/**
 * Identities cached per credential, when the authenticate callback also reads
 * another header: one token used for two tenants through the same store (so
 * through its in-process cache, Redis and authn) is never answered with the
 * other tenant's identity.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, expectOk, grpc, storeClient, type StoreClient } from "../support/proto-client.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

describe("a callback that reads a tenant header besides the credential", () => {
  let gatehouse: TestGatehouse;
  let acme: StoreClient;
  let globex: StoreClient;
  let noTenant: StoreClient;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(fromRoot("test/fixtures/tenant-header.gatehouse.json"));
    const token = { authorization: "Bearer user1-token" };
    acme = storeClient(gatehouse.storeAddress, { ...token, "x-tenant": "acme" });
    globex = storeClient(gatehouse.storeAddress, { ...token, "x-tenant": "globex" });
    noTenant = storeClient(gatehouse.storeAddress, token);
  });

  afterAll(async () => {
    for (const client of [acme, globex, noTenant]) client?.close();
    await gatehouse?.stop();
  });

  it("one token in two tenants is two identities, in whatever order the tenants come", async () => {
    const { thread } = expectOk(await acme.call("ThreadService", "CreateThread", {}));
    for (let round = 0; round < 3; round++) {
      expect(expectError(await globex.call("ThreadService", "GetThread", { thread_id: thread.thread_id })).code).toBe(grpc.status.NOT_FOUND);
      expect(expectOk(await acme.call("ThreadService", "GetThread", { thread_id: thread.thread_id })).thread.thread_id).toBe(thread.thread_id);
    }
    const [acmeSearch, globexSearch] = await Promise.all([
      acme.call("ThreadService", "SearchThreads", {}),
      globex.call("ThreadService", "SearchThreads", {}),
    ]);
    expect(expectOk(acmeSearch).threads.map((found: { thread_id: string }) => found.thread_id)).toEqual([thread.thread_id]);
    expect(expectOk(globexSearch).threads).toEqual([]);
  });

  it("the token without a tenant is refused even after it was accepted with one", async () => {
    expectOk(await acme.call("ThreadService", "SearchThreads", {}));
    expect(expectError(await noTenant.call("ThreadService", "SearchThreads", {})).code).toBe(grpc.status.UNAUTHENTICATED);
  });
});
