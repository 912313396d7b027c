import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServiceProcess, type ServiceProcess } from "@gatehouse/launcher";
import { openCheckpointer } from "./checkpointer.js";
import { testGraphs } from "./testing/graphs.js";
import { createInMemoryRunEventLog } from "./testing/in-memory-run-event-log.js";
import { startTestWorker } from "./testing/test-worker.js";
import { createWorkerTestDatabase, eventually, insertRun, insertThread, runRow, threadRow, type WorkerTestDatabase } from "./testing/worker-database.js";
import type { Worker } from "./worker.js";

const serverUrl = process.env.DATABASE_URL;
const leaseMs = 1_500;

describe.skipIf(!serverUrl)("a worker killed in the middle of a run", () => {
  let database: WorkerTestDatabase;
  let child: ServiceProcess | undefined;
  let survivor: Worker | undefined;

  beforeAll(async () => {
    database = await createWorkerTestDatabase(serverUrl!);
  });

  afterAll(async () => {
    await survivor?.loop.stop(0);
    await child?.stop(1_000);
    await database?.drop();
  });

  // Starts the real worker process on the fixture graphs, with short leases.
  const startChild = () =>
    startServiceProcess({
      name: "worker",
      env: {
        GATEHOUSE_CONFIG: resolve(import.meta.dirname, "testing/fixtures/gatehouse.json"),
        DATABASE_URL: database.url,
        WORKER_PORT: "0",
        WORKER_LEASE_MS: String(leaseMs),
        WORKER_POLL_MS: "100",
        LOG_LEVEL: "silent",
      },
      startTimeoutMs: 60_000,
    });

  // The survivor starts once the child holds the run (it sweeps, it cannot claim a running run), so the
  // time measured from the kill is the lease and the sweep, not the survivor's start-up.
  const killWhileRunning = async (runId: string, maxAttempts: number) => {
    child = await startChild();
    await eventually(async () => ((await runRow(database.pool, runId))?.status === "running" ? true : undefined), 20_000, "the child to claim the run");
    await startSurvivor(maxAttempts);
    expect((await runRow(database.pool, runId))?.attempt).toBe(1);
    child.child.kill("SIGKILL");
    await new Promise((resolve) => child!.child.once("exit", resolve));
    child = undefined;
    return Date.now();
  };

  const startSurvivor = async (maxAttempts: number) => {
    const checkpointer = await openCheckpointer(database.pool);
    survivor = await startTestWorker(database.pool, testGraphs(database.pool, checkpointer), { leaseMs, maxAttempts, events: createInMemoryRunEventLog() });
    return survivor;
  };

  it("has its run retried by another worker once the lease expires", { timeout: 90_000 }, async () => {
    const threadId = await insertThread(database.pool);
    const runId = await insertRun(database.pool, threadId, "slow", { input: {}, config: { configurable: { nap_ms: 1_000 } } });
    const killedAt = await killWhileRunning(runId, 2);

    // Taken back within the lease (plus one sweep interval), then executed again to success.
    await eventually(async () => {
      const row = await runRow(database.pool, runId);
      return row && !(row.status === "running" && row.attempt === 1) ? row : undefined;
    }, 10_000, "the sweeper to take the run back");
    expect(Date.now() - killedAt).toBeLessThan(leaseMs * 2 + 1_000);
    const done = await eventually(async () => {
      const row = await runRow(database.pool, runId);
      return row?.status === "success" ? row : undefined;
    }, 20_000, "the retry to succeed");
    expect(done.attempt).toBe(2);
    expect((await threadRow(database.pool, threadId)).status).toBe("idle");
    await survivor!.loop.stop(0);
    survivor = undefined;
  });

  it("marks its run error, and frees the thread, when no attempts remain", { timeout: 90_000 }, async () => {
    const threadId = await insertThread(database.pool);
    const runId = await insertRun(database.pool, threadId, "slow", { input: {}, config: { configurable: { nap_ms: 60_000 } } });
    const killedAt = await killWhileRunning(runId, 1);
    const worker = survivor!;
    const failed = await eventually(async () => {
      const row = await runRow(database.pool, runId);
      return row?.status === "error" ? row : undefined;
    }, 10_000, "the sweeper to fail the run");
    expect(Date.now() - killedAt).toBeLessThan(leaseMs * 2 + 1_000);
    expect(failed).toMatchObject({ attempt: 1, claimed_by: null });
    expect((await threadRow(database.pool, threadId)).status).toBe("error");
    const events = (worker as Worker & { events: ReturnType<typeof createInMemoryRunEventLog> }).events;
    // The sweeper writes the run's status first, then publishes its error event and finishes the stream.
    await eventually(async () => ((await events.isFinished(runId)) ? true : undefined), 5_000, "the run's stream to finish");
    expect(events.events(runId)).toEqual([expect.objectContaining({ event: "error", data: expect.objectContaining({ error: "WorkerLostError" }) })]);
  });
});
