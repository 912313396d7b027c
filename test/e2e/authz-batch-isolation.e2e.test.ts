/**
 * The store batches the authorizations of concurrent requests into one
 * AuthorizeBatch call. Batching must not couple callers: a caller with a
 * 1 ms deadline and a handler that is slow for one user fail or delay only
 * their own requests, while every other caller in the batch gets its
 * decision within its own budget.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, expectOk, grpc, storeClient, type CallResult, type StoreClient } from "../support/proto-client.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

const slowHandlerMs = 1_500;
const othersBudgetMs = 800;

describe("batched authorizations keep each caller's own budget", () => {
  let gatehouse: TestGatehouse;
  let others: StoreClient[];
  let slow: StoreClient;
  let impatient: StoreClient;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(fromRoot("test/fixtures/http-status.gatehouse.json"), {
      METRICS_PORT: "0",
      SLOW_HANDLER_MS: String(slowHandlerMs),
      GATEHOUSE_HANDLER_TIMEOUT_MS: "5000",
      GATEHOUSE_CALL_TIMEOUT_MS: "5000",
    });
    // grpc-js shares one connection between clients of the same target, so the calls of a burst arrive together.
    others = Array.from({ length: 12 }, (_, n) => storeClient(gatehouse.storeAddress, { authorization: `Bearer tenant-${n}` }));
    slow = storeClient(gatehouse.storeAddress, { authorization: "Bearer slow" });
    impatient = storeClient(gatehouse.storeAddress, { authorization: "Bearer impatient" });
    // Identities cached first, so a burst's decisions reach the batcher in the same turn of the store's event loop.
    for (const client of [...others, slow, impatient]) expectOk(await client.call("ThreadService", "SearchThreads", {}));
  });

  afterAll(async () => {
    for (const client of [...(others ?? []), slow, impatient]) client?.close();
    await gatehouse?.stop();
  });

  async function authorizeBatchCalls(): Promise<number> {
    const text = await (await fetch(`http://${gatehouse.cluster.authz.metricsAddress}/metrics`)).text();
    return text
      .split("\n")
      .filter((line) => line.startsWith("gatehouse_rpcs_total{") && line.includes('method="/gatehouse.authz.v1.AuthzService/AuthorizeBatch"'))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
  }

  async function timed<T>(call: Promise<CallResult<T>>): Promise<{ result: CallResult<T>; ms: number }> {
    const started = performance.now();
    const result = await call;
    return { result, ms: performance.now() - started };
  }

  it("a 1 ms deadline and a slow handler fail or delay only their own callers", async () => {
    const rounds = 3;
    const batchesBefore = await authorizeBatchCalls();
    for (let round = 0; round < rounds; round++) {
      const slowCall = timed(slow.call("ThreadService", "CreateThread", {}, { timeoutMs: 10_000 }));
      const impatientCall = timed(impatient.call("ThreadService", "CreateThread", {}, { timeoutMs: 1 }));
      const otherCalls = others.map((client) => timed(client.call("ThreadService", "CreateThread", {}, { timeoutMs: othersBudgetMs })));

      const answered = await Promise.all(otherCalls);
      for (const { result, ms } of answered) {
        expect(expectOk(result).thread.thread_id).toBeTruthy();
        expect(ms).toBeLessThan(othersBudgetMs);
      }
      const latencies = answered.map(({ ms }) => Math.round(ms)).sort((a, b) => a - b);
      console.info(`round ${round}: the other callers answered in ${latencies[0]}–${latencies.at(-1)} ms (median ${latencies[latencies.length >> 1]} ms)`);

      expect(expectError((await impatientCall).result).code).toBe(grpc.status.DEADLINE_EXCEEDED);
      const slowAnswer = await slowCall;
      expect(expectOk(slowAnswer.result).thread.metadata).toBeTruthy();
      expect(slowAnswer.ms).toBeGreaterThanOrEqual(slowHandlerMs - 50);
    }
    // Fewer batch calls than decisions: the other callers' events shared batches (with the slow one's, on one connection).
    const batches = (await authorizeBatchCalls()) - batchesBefore;
    console.info(`${rounds * (others.length + 2)} requests made ${batches} AuthorizeBatch calls`);
    expect(batches).toBeLessThan(rounds * (others.length + 1));
  });
});
