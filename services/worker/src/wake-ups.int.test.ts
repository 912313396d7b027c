import { afterEach, beforeAll, afterAll, describe, expect, it } from "vitest";
import type { LoadedGraph } from "@gatehouse/graphs";
import { openCheckpointer } from "./checkpointer.js";
import { testGraphs } from "./testing/graphs.js";
import { createInMemoryRunEventLog } from "./testing/in-memory-run-event-log.js";
import { startTestWorker } from "./testing/test-worker.js";
import { createWorkerTestDatabase, eventually, insertRun, insertThread, runRow, type WorkerTestDatabase } from "./testing/worker-database.js";
import type { Worker } from "./worker.js";

const serverUrl = process.env.DATABASE_URL;

describe.skipIf(!serverUrl)("how a worker learns of new runs, and what it does when events cannot be published", () => {
  let database: WorkerTestDatabase;
  let graphs: Map<string, LoadedGraph>;
  let worker: Worker | undefined;

  beforeAll(async () => {
    database = await createWorkerTestDatabase(serverUrl!);
    graphs = testGraphs(database.pool, await openCheckpointer(database.pool));
  });

  afterEach(async () => {
    await worker?.loop.stop(0);
    worker = undefined;
  });

  afterAll(async () => {
    await database?.drop();
  });

  const runToEnd = async () => {
    const runId = await insertRun(database.pool, await insertThread(database.pool), "whoami", { input: {} });
    const started = Date.now();
    const row = await eventually(async () => {
      const found = await runRow(database.pool, runId);
      return found?.status === "success" ? found : undefined;
    }, 20_000, "the run");
    return { row, ms: Date.now() - started };
  };

  it("starts a new run at once on the insert's notification, long before its next poll", async () => {
    // Neither a poll nor a sweep comes within the test: only the notification can wake it.
    worker = await startTestWorker(database.pool, graphs, { listenUrl: database.url, pollMs: 600_000, leaseMs: 600_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { ms } = await runToEnd();
    expect(ms).toBeLessThan(3_000);
  });

  it("finds new runs by polling when it does not listen", async () => {
    worker = await startTestWorker(database.pool, graphs, { pollMs: 200 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { row } = await runToEnd();
    expect(row.attempt).toBe(1);
  });

  it("finishes a run once, dropping its events, when the event log refuses them", async () => {
    const broken = createInMemoryRunEventLog();
    broken.append = async () => {
      throw new Error("event log unavailable");
    };
    worker = await startTestWorker(database.pool, graphs, { listenUrl: database.url, events: broken });
    const { row } = await runToEnd();
    expect(row).toMatchObject({ status: "success", attempt: 1 });
  });
});
