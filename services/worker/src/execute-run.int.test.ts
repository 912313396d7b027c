import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultAssistantId } from "@gatehouse/graphs";
import { eventually, insertRun, insertThread, runRow, runSettled, threadRow, type WorkerTestDatabase } from "./testing/worker-database.js";
import { startWorkerOnTestDatabase, type WorkerOnTestDatabase } from "./testing/worker-on-test-database.js";

const serverUrl = process.env.DATABASE_URL;

const alice = { identity: "alice", display_name: "Alice", permissions: ["threads:write"], is_authenticated: true };
const authConfigurable = { langgraph_auth_user: alice, langgraph_auth_user_id: "alice", langgraph_auth_permissions: ["threads:write"] };

describe.skipIf(!serverUrl)("executing runs on real Postgres", () => {
  let database: WorkerTestDatabase;
  let worker: WorkerOnTestDatabase["worker"];
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ database, worker, stop } = await startWorkerOnTestDatabase(serverUrl!));
  });

  afterAll(async () => {
    await stop?.();
  });

  const finished = (runId: string) => runSettled(database.pool, runId);

  it("executes a run end to end and the thread holds the conversation across runs", async () => {
    const threadId = await insertThread(database.pool);
    const first = await insertRun(database.pool, threadId, "chat", { input: { messages: [{ role: "user", content: "Hello" }] }, config: { configurable: authConfigurable } });
    expect(await finished(first)).toMatchObject({ status: "success", attempt: 1, claimed_by: null });
    const second = await insertRun(database.pool, threadId, "chat", { input: { messages: [{ role: "user", content: "Again" }] }, config: { configurable: authConfigurable } });
    expect((await finished(second)).status).toBe("success");

    const thread = await threadRow(database.pool, threadId);
    expect(thread.status).toBe("idle");
    const messages = thread.values.messages as Array<{ type: string; content: string }>;
    expect(messages.map((message) => [message.type, message.content])).toEqual([
      ["human", "Hello"],
      ["ai", "Hi there friend"],
      ["human", "Again"],
      ["ai", "Hi there friend"],
    ]);
    expect(worker.events.events(second).map((event) => event.event)).toEqual(["metadata", "values", "values"]);
  });

  it("gives a node the auth user the store recorded, never one from the assistant's config", async () => {
    await database.pool.query("INSERT INTO assistants (assistant_id, graph_id, config, name) VALUES ($1, 'whoami', $2, 'whoami')", [
      defaultAssistantId("whoami"),
      { configurable: { model: "small", langgraph_auth_user_id: "mallory" } },
    ]);
    const threadId = await insertThread(database.pool);
    const runId = await insertRun(database.pool, threadId, "whoami", { input: {}, config: { configurable: authConfigurable } });
    expect((await finished(runId)).status).toBe("success");
    const { values } = await threadRow(database.pool, threadId);
    expect(values.who).toEqual({
      user: alice,
      user_id: "alice",
      permissions: ["threads:write"],
      assistant_id: defaultAssistantId("whoami"),
      graph_id: "whoami",
      model: "small",
    });
  });

  it("marks a run whose node throws error, publishes LangGraph's error event and sets the thread to error", async () => {
    const threadId = await insertThread(database.pool);
    const runId = await insertRun(database.pool, threadId, "failing", { input: {} });
    expect((await finished(runId)).status).toBe("error");
    expect((await threadRow(database.pool, threadId)).status).toBe("error");
    const events = worker.events.events(runId);
    expect(events.at(-1)).toMatchObject({ event: "error", data: { error: "RangeError", message: "the node exploded" } });
    expect(await worker.events.isFinished(runId)).toBe(true);
  });

  it("marks a run of an assistant that does not exist error", async () => {
    const threadId = await insertThread(database.pool);
    const runId = await insertRun(database.pool, threadId, "9b0f1e6c-0000-4000-8000-000000000000", { input: {} });
    expect((await finished(runId)).status).toBe("error");
    expect(worker.events.events(runId).at(-1)).toMatchObject({ event: "error", data: { error: "UnknownAssistantError" } });
    expect((await threadRow(database.pool, threadId)).status).toBe("error");
  });

  it("marks a run that outlives its timeout as timeout", async () => {
    const threadId = await insertThread(database.pool);
    const runId = await insertRun(database.pool, threadId, "slow", { input: {}, timeout_ms: 300, config: { configurable: { nap_ms: 30_000 } } });
    const started = Date.now();
    expect((await finished(runId)).status).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(worker.events.events(runId).at(-1)).toMatchObject({ event: "error", data: { error: "TimeoutError" } });
  });

  it("walks a run through pending, running and success", async () => {
    const threadId = await insertThread(database.pool);
    const runId = await insertRun(database.pool, threadId, "slow", { input: {}, config: { configurable: { nap_ms: 600 } } });
    const seen = new Set<string>();
    await eventually(async () => {
      // One statement, one snapshot: the run's status and its thread's together.
      const { rows } = await database.pool.query<{ run: string; thread: string }>(
        "SELECT runs.status AS run, threads.status AS thread FROM runs JOIN threads USING (thread_id) WHERE run_id = $1",
        [runId],
      );
      const { run, thread } = rows[0]!;
      seen.add(`${run}/${thread}`);
      return run === "success" ? true : undefined;
    });
    expect([...seen]).toEqual(expect.arrayContaining(["running/busy", "success/idle"]));
    expect([...seen].every((pair) => ["pending/idle", "running/busy", "success/idle"].includes(pair))).toBe(true);
  });

  it("does not start a run before its not_before (after_seconds)", async () => {
    const threadId = await insertThread(database.pool);
    const started = Date.now();
    const runId = await insertRun(database.pool, threadId, "whoami", { input: {} }, 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await runRow(database.pool, runId))!.status).toBe("pending");
    await finished(runId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it("deletes the thread and its checkpoints after a run that asked for on_completion delete", async () => {
    const threadId = await insertThread(database.pool);
    const runId = await insertRun(database.pool, threadId, "whoami", { input: {}, on_completion: "delete" });
    await eventually(async () => ((await worker.events.isFinished(runId)) ? true : undefined), 20_000, "the run to finish");
    const { rows } = await database.pool.query("SELECT 1 FROM threads WHERE thread_id = $1", [threadId]);
    expect(rows).toHaveLength(0);
    const { rows: checkpoints } = await database.pool.query("SELECT 1 FROM gatehouse_checkpoints.checkpoints WHERE thread_id = $1", [threadId]);
    expect(checkpoints).toHaveLength(0);
  });

  it("frees a thread left busy with no running run, so its pending runs execute", async () => {
    const threadId = await insertThread(database.pool);
    await database.pool.query("UPDATE threads SET status = 'busy', updated_at = now() - interval '1 hour' WHERE thread_id = $1", [threadId]);
    const runId = await insertRun(database.pool, threadId, "whoami", { input: {} });
    expect((await finished(runId)).status).toBe("success");
  });

  // Last: it stops the shared worker.
  it("hands its running runs back as pending, the attempt not counted, when it shuts down", async () => {
    const threadId = await insertThread(database.pool);
    const runId = await insertRun(database.pool, threadId, "slow", { input: {}, config: { configurable: { nap_ms: 60_000 } } });
    await eventually(async () => ((await runRow(database.pool, runId))?.status === "running" ? true : undefined));
    await worker.loop.stop(100);
    expect(await runRow(database.pool, runId)).toEqual({ status: "pending", attempt: 0, claimed_by: null });
    expect((await threadRow(database.pool, threadId)).status).toBe("idle");
  });
});
