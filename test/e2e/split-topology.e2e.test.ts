/**
 * What only the split topology does (README, "Topologies"): authn and authz
 * run as processes of their own, each answering on its own port, so the
 * store's calls to them cross a real gRPC connection; when authz's process
 * dies, the store fails closed instead of answering without it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@langchain/langgraph-sdk";
import { checkHealth } from "../support/health-client.js";
import { httpErrorOf, sdkClient } from "../support/langgraph-shapes.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

describe("the split topology", () => {
  let gatehouse: TestGatehouse;
  let alice: Client;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(fromRoot("gatehouse.json"), {}, undefined, { gateway: true, topology: "split" });
    alice = sdkClient(gatehouse.gatewayUrl!, "user1-token", { maxRetries: 0 });
  });

  afterAll(async () => {
    await gatehouse?.stop();
  });

  it("runs authn and authz as processes of their own, each serving gRPC health on its own port", async () => {
    const { authn, authz, store } = gatehouse.cluster;
    expect(new Set([authn.child.pid, authz.child.pid, store.child.pid]).size).toBe(3);
    expect(await checkHealth(authn.address)).toBe("SERVING");
    expect(await checkHealth(authz.address)).toBe("SERVING");
  });

  it("fails closed when authz's process is gone: the gateway answers an error, never the thread", async () => {
    const thread = await alice.threads.create();
    await gatehouse.cluster.authz.stop();
    const error = await httpErrorOf(alice.threads.get(thread.thread_id));
    expect(error.status).toBeGreaterThanOrEqual(500);
  });
});
