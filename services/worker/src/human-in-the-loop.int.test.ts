import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpointSchema } from "./checkpointer.js";
import { eventually, insertRun, insertThread, runRow, runSettled, threadRow, type WorkerTestDatabase } from "./testing/worker-database.js";
import { startWorkerOnTestDatabase, type WorkerOnTestDatabase } from "./testing/worker-on-test-database.js";

const serverUrl = process.env.DATABASE_URL;

describe.skipIf(!serverUrl)("interrupts, resumes and cancels", () => {
  let database: WorkerTestDatabase;
  let worker: WorkerOnTestDatabase["worker"];
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ database, worker, stop } = await startWorkerOnTestDatabase(serverUrl!));
  });

  afterAll(async () => {
    await stop?.();
  });

  const settled = (runId: string) => runSettled(database.pool, runId);

  const checkpointsOf = async (runId: string) => {
    const { rows } = await database.pool.query<{ count: string }>(`SELECT count(*) FROM ${checkpointSchema}.checkpoints WHERE metadata ->> 'run_id' = $1`, [runId]);
    return Number(rows[0]!.count);
  };

  // What the store does for a cancel of a running run: record the action, then notify the workers.
  const cancel = async (runId: string, action: "interrupt" | "rollback") => {
    await database.pool.query("UPDATE runs SET cancel_action = $2 WHERE run_id = $1 AND status = 'running'", [runId, action]);
    await database.pool.query("SELECT pg_notify('gatehouse_run_cancel', $1)", [runId]);
  };

  it("stops before a node with interrupt_before, then resumes to an interrupt() and on with a Command", async () => {
    const threadId = await insertThread(database.pool);
    const first = await insertRun(database.pool, threadId, "approval", { input: {}, interrupt_before: ["review"] });
    expect((await settled(first)).status).toBe("success");
    let thread = await threadRow(database.pool, threadId);
    expect(thread).toMatchObject({ status: "interrupted", values: { steps: ["draft"] }, interrupts: {} });

    const second = await insertRun(database.pool, threadId, "approval", { input: null });
    expect((await settled(second)).status).toBe("success");
    thread = await threadRow(database.pool, threadId);
    expect(thread.status).toBe("interrupted");
    const pending = Object.values(thread.interrupts).flat() as Array<{ value: unknown }>;
    expect(pending).toEqual([expect.objectContaining({ value: { question: "approve the draft?" } })]);

    const third = await insertRun(database.pool, threadId, "approval", { command: { resume: "yes" } });
    expect((await settled(third)).status).toBe("success");
    thread = await threadRow(database.pool, threadId);
    expect(thread).toMatchObject({ status: "idle", values: { steps: ["draft", "review"], answer: "yes" }, interrupts: {} });
  });

  it("starts a run from the checkpoint it names, forking the thread's history there", async () => {
    const threadId = await insertThread(database.pool);
    const first = await insertRun(database.pool, threadId, "approval", { input: {}, interrupt_before: ["review"] });
    expect((await settled(first)).status).toBe("success");
    const { rows } = await database.pool.query<{ checkpoint_id: string }>(
      `SELECT checkpoint_id FROM ${checkpointSchema}.checkpoints WHERE thread_id = $1 AND (metadata ->> 'step')::int = 0`,
      [threadId],
    );
    const fork = rows[0]!.checkpoint_id;
    const second = await insertRun(database.pool, threadId, "approval", { input: null, checkpoint_id: fork, interrupt_before: ["review"] });
    expect((await settled(second)).status).toBe("success");
    // From the fork (before draft), draft ran once more on the fork's state, not on the latest one.
    expect(await threadRow(database.pool, threadId)).toMatchObject({ status: "interrupted", values: { steps: ["draft"] } });
    const { rows: written } = await database.pool.query<{ parent_checkpoint_id: string }>(
      `SELECT parent_checkpoint_id FROM ${checkpointSchema}.checkpoints WHERE metadata ->> 'run_id' = $1 ORDER BY checkpoint_id LIMIT 1`,
      [second],
    );
    expect(written[0]!.parent_checkpoint_id).toBe(fork);
  });

  it("interrupts a running run on a cancel request and keeps what it checkpointed", async () => {
    const threadId = await insertThread(database.pool);
    const runId = await insertRun(database.pool, threadId, "slow", { input: {}, config: { configurable: { nap_ms: 60_000 } } });
    await eventually(async () => ((await checkpointsOf(runId)) >= 2 ? true : undefined), 20_000, "the first node's checkpoint");
    const started = Date.now();
    await cancel(runId, "interrupt");
    expect((await settled(runId)).status).toBe("interrupted");
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await threadRow(database.pool, threadId)).toMatchObject({ status: "idle", values: { steps: ["first"] } });
    expect(await checkpointsOf(runId)).toBeGreaterThanOrEqual(2);
  });

  it("rolls a cancelled run back: its row and checkpoints are gone and the thread is as before it", async () => {
    const threadId = await insertThread(database.pool);
    const before = await insertRun(database.pool, threadId, "slow", { input: {}, config: { configurable: { nap_ms: 10 } } });
    expect((await settled(before)).status).toBe("success");
    expect((await threadRow(database.pool, threadId)).values).toEqual({ steps: ["first", "nap"] });

    const runId = await insertRun(database.pool, threadId, "slow", { input: {}, config: { configurable: { nap_ms: 60_000 } } });
    await eventually(async () => ((await checkpointsOf(runId)) >= 2 ? true : undefined), 20_000, "the first node's checkpoint");
    expect((await threadRow(database.pool, threadId)).status).toBe("busy");
    await cancel(runId, "rollback");
    await eventually(async () => ((await runRow(database.pool, runId)) === undefined ? true : undefined), 10_000, "the run row to go");
    expect(await checkpointsOf(runId)).toBe(0);
    expect(await threadRow(database.pool, threadId)).toMatchObject({ status: "idle", values: { steps: ["first", "nap"] } });
  });

  it("notices a cancel request on its heartbeat when no notification arrives", async () => {
    const threadId = await insertThread(database.pool);
    const runId = await insertRun(database.pool, threadId, "slow", { input: {}, config: { configurable: { nap_ms: 60_000 } } });
    await eventually(async () => ((await runRow(database.pool, runId))?.status === "running" ? true : undefined));
    await database.pool.query("UPDATE runs SET cancel_action = 'interrupt' WHERE run_id = $1", [runId]);
    expect((await settled(runId)).status).toBe("interrupted");
  });

  it("frees the thread and ends the stream of a running run whose status was set from outside", async () => {
    const threadId = await insertThread(database.pool);
    const runId = await insertRun(database.pool, threadId, "slow", { input: {}, config: { configurable: { nap_ms: 60_000 } } });
    await eventually(async () => ((await runRow(database.pool, runId))?.status === "running" ? true : undefined));
    // How CancelRun records a cancel before it sets cancel_action: the status alone.
    await database.pool.query("UPDATE runs SET status = 'interrupted' WHERE run_id = $1", [runId]);
    const events = worker.events;
    await eventually(async () => ((await events.isFinished(runId)) ? true : undefined), 10_000, "the stream to finish");
    expect(await threadRow(database.pool, threadId)).toMatchObject({ status: "idle", values: { steps: ["first"] } });
    const next = await insertRun(database.pool, threadId, "slow", { input: {}, config: { configurable: { nap_ms: 10 } } });
    expect((await settled(next)).status).toBe("success");
  });
});
