/**
 * The runs table's SQL on real Postgres: creating runs on busy threads under
 * each multitask strategy (serialised on the thread's row), threads hidden
 * by the caller's filter, cancelling by id and by status, and the system
 * assistants inserted at start-up.
 */
import { randomUUID } from "node:crypto";
import { defaultAssistantId } from "@gatehouse/graphs";
import { parseFilter } from "@gatehouse/filters";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../sql/database.js";
import { insertSystemAssistants } from "../sql/system-assistants.js";
import { grantAccess } from "../testing/grant-access.js";
import { createMigratedDatabase, type MigratedDatabase } from "../testing/migrated-database.js";
import { createRunRepo, type NewRun, type RunRepo } from "./run-repo.js";

const serverUrl = process.env.DATABASE_URL;

describe.skipIf(!serverUrl)("runs on real Postgres", () => {
  let database: MigratedDatabase;
  let db: Database;
  let runs: RunRepo;

  beforeAll(async () => {
    database = await createMigratedDatabase(serverUrl!, "gatehouse_runs", 12);
    db = database.db;
    runs = createRunRepo(db);
  });

  afterAll(async () => {
    await database?.drop();
  });

  const mine = () => grantAccess("threads", parseFilter({ owner: "alice" }));
  const bobs = () => grantAccess("threads", parseFilter({ owner: "bob" }));

  async function thread(owner = "alice"): Promise<string> {
    const threadId = randomUUID();
    await db.query("INSERT INTO threads (thread_id, metadata) VALUES ($1, $2)", [threadId, { owner }]);
    return threadId;
  }

  function newRun(threadId: string, multitaskStrategy = "reject", afterSeconds = 0): NewRun {
    return { runId: randomUUID(), threadId, assistantId: "agent", metadata: { owner: "alice" }, kwargsJson: "{}", multitaskStrategy, afterSeconds };
  }

  async function statusOf(runId: string): Promise<{ status: string; cancel_action: string | null } | undefined> {
    const { rows } = await db.query("SELECT status, cancel_action FROM runs WHERE run_id = $1", [runId]);
    return rows[0];
  }

  it("of ten concurrent rejecting creates on an idle thread exactly one is queued", { timeout: 30_000 }, async () => {
    const threadId = await thread();
    const access = await mine();
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => runs.create(newRun(threadId), access, "existing")));
    expect(outcomes.filter((outcome) => outcome.outcome === "created").length).toBe(1);
    expect(outcomes.filter((outcome) => outcome.outcome === "busy").length).toBe(9);
    const { rows } = await db.query("SELECT count(*)::int AS n FROM runs WHERE thread_id = $1", [threadId]);
    expect(rows[0].n).toBe(1);
  });

  it("a thread hidden by the filter is not-found under every strategy, even asked to create it, and nothing is written", async () => {
    const threadId = await thread("alice");
    const access = await bobs();
    for (const strategy of ["reject", "interrupt", "rollback", "enqueue"]) {
      expect((await runs.create(newRun(threadId, strategy), access, "existing")).outcome).toBe("not-found");
      expect((await runs.create(newRun(threadId, strategy), access, "create-if-missing")).outcome).toBe("not-found");
    }
    const { rows } = await db.query("SELECT count(*)::int AS n FROM runs WHERE thread_id = $1", [threadId]);
    expect(rows[0].n).toBe(0);
    const metadata = await db.query("SELECT metadata FROM threads WHERE thread_id = $1", [threadId]);
    expect(metadata.rows[0].metadata).toEqual({ owner: "alice" });
  });

  it("a missing thread is created with the run when asked, with the stored metadata", async () => {
    const threadId = randomUUID();
    const created = await runs.create(newRun(threadId), await mine(), "create-if-missing");
    expect(created.outcome).toBe("created");
    const { rows } = await db.query("SELECT metadata FROM threads WHERE thread_id = $1", [threadId]);
    expect(rows[0].metadata).toEqual({ owner: "alice" });
  });

  it("interrupt stops a pending run at once and signals a running one to its worker", async () => {
    const threadId = await thread();
    const access = await mine();
    const running = await runs.create(newRun(threadId), access, "existing");
    if (running.outcome !== "created") throw new Error("not created");
    await db.query("UPDATE runs SET status = 'running' WHERE run_id = $1", [running.run.run_id]);
    const queued = await runs.create(newRun(threadId, "enqueue"), access, "existing");
    if (queued.outcome !== "created") throw new Error("not created");

    const listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    const notified: string[] = [];
    listener.on("notification", (message) => notified.push(message.payload ?? ""));
    await listener.query("LISTEN gatehouse_run_cancel");
    try {
      const third = await runs.create(newRun(threadId, "interrupt"), access, "existing");
      expect(third.outcome).toBe("created");
      expect(third.outcome === "created" && third.stopped).toEqual([queued.run.run_id]);
      expect(await statusOf(queued.run.run_id)).toEqual({ status: "interrupted", cancel_action: null });
      expect(await statusOf(running.run.run_id)).toEqual({ status: "running", cancel_action: "interrupt" });
      for (let tries = 0; tries < 50 && notified.length === 0; tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(notified).toEqual([running.run.run_id]);
    } finally {
      await listener.end();
    }
  });

  it("rollback deletes a pending run and marks a running one for rollback", async () => {
    const threadId = await thread();
    const access = await mine();
    const first = await runs.create(newRun(threadId), access, "existing");
    if (first.outcome !== "created") throw new Error("not created");
    await db.query("UPDATE runs SET status = 'running' WHERE run_id = $1", [first.run.run_id]);
    const queued = await runs.create(newRun(threadId, "enqueue"), access, "existing");
    if (queued.outcome !== "created") throw new Error("not created");
    await runs.create(newRun(threadId, "rollback"), access, "existing");
    expect(await statusOf(queued.run.run_id)).toBeUndefined();
    expect(await statusOf(first.run.run_id)).toEqual({ status: "running", cancel_action: "rollback" });
  });

  it("after_seconds sets not_before that far ahead", async () => {
    const threadId = await thread();
    const created = await runs.create(newRun(threadId, "reject", 90), await mine(), "existing");
    if (created.outcome !== "created") throw new Error("not created");
    const { rows } = await db.query("SELECT extract(epoch FROM not_before - created_at)::float AS ahead FROM runs WHERE run_id = $1", [created.run.run_id]);
    expect(rows[0].ahead).toBeGreaterThanOrEqual(89.9);
    expect(rows[0].ahead).toBeLessThan(91);
  });

  it("cancelling by status touches and counts only runs on threads the filter shows", async () => {
    const aliceThread = await thread("alice");
    const bobThread = await thread("bob");
    const aliceRun = await runs.create(newRun(aliceThread), await mine(), "existing");
    const bobRun = await runs.create(newRun(bobThread), await bobs(), "existing");
    if (aliceRun.outcome !== "created" || bobRun.outcome !== "created") throw new Error("not created");
    const cancelled = await runs.cancel({ statuses: ["pending"] }, "interrupt", await mine());
    expect(cancelled.runs.map((run) => run.run_id)).toContain(aliceRun.run.run_id);
    expect(cancelled.runs.map((run) => run.run_id)).not.toContain(bobRun.run.run_id);
    expect((await statusOf(bobRun.run.run_id))?.status).toBe("pending");
    // By id, bob's run named under alice's filter is neither touched nor counted.
    const byId = await runs.cancel({ threadId: bobThread, runIds: [bobRun.run.run_id] }, "interrupt", await mine());
    expect(byId.runs).toEqual([]);
    expect((await statusOf(bobRun.run.run_id))?.status).toBe("pending");
  });

  it("system assistants are inserted once, with LangGraph's ids and metadata, a version, and never overwritten", async () => {
    await insertSystemAssistants(db, ["agent", "other"]);
    await db.query("UPDATE assistants SET config = '{\"changed\": true}' WHERE assistant_id = $1", [defaultAssistantId("agent")]);
    await insertSystemAssistants(db, ["agent", "other"]);
    const { rows } = await db.query("SELECT assistant_id, graph_id, name, config, metadata FROM assistants WHERE assistant_id = ANY($1::uuid[]) ORDER BY name", [
      [defaultAssistantId("agent"), defaultAssistantId("other")],
    ]);
    expect(rows).toEqual([
      { assistant_id: "fe096781-5601-53d2-b2f6-0d3403f7e9ca", graph_id: "agent", name: "agent", config: { changed: true }, metadata: { created_by: "system" } },
      { assistant_id: defaultAssistantId("other"), graph_id: "other", name: "other", config: {}, metadata: { created_by: "system" } },
    ]);
    const versions = await db.query("SELECT count(*)::int AS n FROM assistant_versions WHERE assistant_id = ANY($1::uuid[])", [
      [defaultAssistantId("agent"), defaultAssistantId("other")],
    ]);
    expect(versions.rows[0].n).toBe(2);
  });
});
