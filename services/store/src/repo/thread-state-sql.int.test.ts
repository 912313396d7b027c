/**
 * The statements behind thread state, pruning, DeleteAssistant's
 * delete_threads and the version filter, on real Postgres: each applies the
 * caller's filter in the statement itself, so a hidden thread is never
 * named, deleted or counted.
 */
import { randomUUID } from "node:crypto";
import { defaultAssistantId } from "@gatehouse/graphs/assistants";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../sql/database.js";
import { grantAccess } from "../testing/grant-access.js";
import { createMigratedDatabase, type MigratedDatabase } from "../testing/migrated-database.js";
import { graphIdOf } from "../thread-state-rpcs.js";
import { createAssistantRepo } from "./assistant-repo.js";
import { createThreadRepo } from "./thread-repo.js";

const serverUrl = process.env.DATABASE_URL;
const graphs = new Set(["agent", "other"]);

describe.skipIf(!serverUrl)("thread state statements on real Postgres", () => {
  let database: MigratedDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createMigratedDatabase(serverUrl!, "gatehouse_thread_state", 2);
    db = database.db;
  });

  afterAll(async () => {
    await database?.drop();
  });

  const owner = (name: string) => grantAccess("threads", { op: "eq", key: "owner", value: name });

  async function thread(metadata: Record<string, unknown>): Promise<string> {
    const { rows } = await db.query<{ thread_id: string }>("INSERT INTO threads (thread_id, metadata) VALUES ($1, $2) RETURNING thread_id", [randomUUID(), metadata]);
    return rows[0]!.thread_id;
  }

  async function run(threadId: string, assistantId: string, secondsAgo = 0): Promise<void> {
    await db.query("INSERT INTO runs (run_id, thread_id, assistant_id, created_at) VALUES ($1, $2, $3, now() - make_interval(secs => $4))", [
      randomUUID(),
      threadId,
      assistantId,
      secondsAgo,
    ]);
  }

  async function assistant(graphId: string, metadata: Record<string, unknown> = {}): Promise<string> {
    const id = randomUUID();
    await db.query("INSERT INTO assistants (assistant_id, graph_id, metadata, name) VALUES ($1, $2, $3, $2)", [id, graphId, metadata]);
    await db.query("INSERT INTO assistant_versions (assistant_id, version, graph_id, config, context, metadata, name, description) VALUES ($1, 1, $2, '{}', '{}', $3, $2, '')", [id, graphId, metadata]);
    return id;
  }

  it("a thread's graph is its latest run's assistant's, whatever its metadata says; a hidden thread has none to tell", async () => {
    const threads = createThreadRepo(db);
    const id = await thread({ owner: "alice", graph_id: "agent" });
    await run(id, await assistant("agent"), 10);
    await run(id, await assistant("other"));
    const alice = await owner("alice");
    const found = await threads.graphOf(id, alice);
    expect(graphIdOf(found!, graphs)).toBe("other");
    expect(await threads.graphOf(id, await owner("bob"))).toBeUndefined();
    expect(await threads.graphOf(randomUUID(), alice)).toBeUndefined();
  });

  it("a run that named a graph, or its default assistant before it has a row, runs that graph; a thread never run has none", async () => {
    const threads = createThreadRepo(db);
    const alice = await owner("alice");
    const byName = await thread({ owner: "alice" });
    await run(byName, "agent");
    expect(graphIdOf((await threads.graphOf(byName, alice))!, graphs)).toBe("agent");
    const byDefault = await thread({ owner: "alice" });
    await run(byDefault, defaultAssistantId("other"));
    expect(graphIdOf((await threads.graphOf(byDefault, alice))!, graphs)).toBe("other");
    const stamped = await thread({ owner: "alice", graph_id: "agent" });
    expect(graphIdOf((await threads.graphOf(stamped, alice))!, graphs)).toBe("agent");
    const never = await thread({ owner: "alice" });
    expect(graphIdOf((await threads.graphOf(never, alice))!, graphs)).toBeNull();
  });

  it("pruning sees and deletes only the caller's threads among those named, in one statement each", async () => {
    const threads = createThreadRepo(db);
    const mine = [await thread({ owner: "alice" }), await thread({ owner: "alice" })];
    const theirs = await thread({ owner: "bob" });
    const named = [...mine, theirs, randomUUID()];
    const alice = await owner("alice");
    expect(await threads.visibleIds(named, alice)).toEqual([...mine].sort());
    expect((await threads.deleteMany(named, alice)).sort()).toEqual([...mine].sort());
    const { rows } = await db.query<{ thread_id: string }>("SELECT thread_id FROM threads WHERE thread_id = ANY($1::uuid[])", [named]);
    expect(rows.map((row) => row.thread_id)).toEqual([theirs]);
  });

  it("the threads that ran an assistant are those a run of theirs or their metadata names, and only the caller's", async () => {
    const threads = createThreadRepo(db);
    const assistantId = await assistant("agent");
    const ran = await thread({ owner: "alice" });
    await run(ran, assistantId);
    const stamped = await thread({ owner: "alice", assistant_id: assistantId });
    const other = await thread({ owner: "alice" });
    await run(other, "agent");
    const bobs = await thread({ owner: "bob" });
    await run(bobs, assistantId);
    expect((await threads.ranAssistant(assistantId, await owner("alice"))).sort()).toEqual([ran, stamped].sort());
  });

  it("an assistant's versions filter by metadata containment, and a hidden assistant still answers as missing", async () => {
    const assistants = createAssistantRepo(db);
    const id = await assistant("agent", { owner: "alice", tier: "gold" });
    await db.query("INSERT INTO assistant_versions (assistant_id, version, graph_id, config, context, metadata, name, description) VALUES ($1, 2, 'agent', '{}', '{}', $2, 'agent', '')", [id, { owner: "alice", tier: "silver" }]);
    const alice = await grantAccess("assistants", { op: "eq", key: "owner", value: "alice" });
    const gold = await assistants.listVersions(id, alice, 10, 0, JSON.stringify({ tier: "gold" }));
    expect(gold?.map((version) => version.version)).toEqual([1]);
    expect((await assistants.listVersions(id, alice, 10, 0))?.map((version) => version.version)).toEqual([2, 1]);
    expect(await assistants.listVersions(id, alice, 10, 0, JSON.stringify({ tier: "bronze" }))).toEqual([]);
    const bob = await grantAccess("assistants", { op: "eq", key: "owner", value: "bob" });
    expect(await assistants.listVersions(id, bob, 10, 0, JSON.stringify({ tier: "gold" }))).toBeUndefined();
  });
});
