/**
 * The store's calls to the worker, through the real routes on real Postgres
 * with a worker in memory: what reaches the worker, what a failing worker
 * leaves behind (nothing), and how its failures reach the caller (as the
 * store's own errors, never forwarded).
 */
import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { AssistantService, ThreadService, type AuthorizeRequest } from "@gatehouse/contracts";
import { errorInfoOf } from "@gatehouse/errors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "./sql/database.js";
import { createInMemoryStore, type AuthzAnswer } from "./testing/in-memory-store.js";
import { createMigratedDatabase, type MigratedDatabase } from "./testing/migrated-database.js";

const serverUrl = process.env.DATABASE_URL;

describe.skipIf(!serverUrl)("the store's calls to the worker, on real Postgres", () => {
  let database: MigratedDatabase;
  let db: Database;
  let policy: (request: AuthorizeRequest) => AuthzAnswer = () => "allow";
  const pruned: Array<{ threadIds: string[]; keepLatest: boolean }> = [];
  const asked: string[] = [];
  let failWith: Code | undefined;
  let store: ReturnType<typeof createInMemoryStore>;

  const fail = () => {
    if (failWith !== undefined) throw new ConnectError("checkpoint table gatehouse_checkpoints.checkpoints is locked", failWith);
  };

  beforeAll(async () => {
    database = await createMigratedDatabase(serverUrl!, "gatehouse_worker_calls", 2);
    db = database.db;
    store = createInMemoryStore(db, (request) => policy(request), {
      getThreadState(request) {
        asked.push(`state ${request.graphId} ${request.threadId}`);
        fail();
        return { state: { values: { answer: 42 }, next: [] } };
      },
      copyThreadState(request) {
        asked.push(`copy ${request.fromThreadId} ${request.toThreadId}`);
        fail();
        return {};
      },
      pruneThreadState(request) {
        pruned.push({ threadIds: [...request.threadIds].sort(), keepLatest: request.keepLatest });
        fail();
        return {};
      },
    });
  });

  afterAll(async () => {
    await database?.drop();
  });

  const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => ConnectError.from(error));
  const threads = () => createClient(ThreadService, store.transport);

  async function ranThread(assistantId: string): Promise<string> {
    const { thread } = await threads().createThread({});
    await db.query("INSERT INTO runs (run_id, thread_id, assistant_id) VALUES ($1, $2, $3)", [randomUUID(), thread!.threadId, assistantId]);
    return thread!.threadId;
  }

  it("asks the worker with the graph of the thread's latest run, and a missing thread never reaches it", async () => {
    policy = () => "allow";
    failWith = undefined;
    const threadId = await ranThread("agent");
    const { state } = await threads().getThreadState({ threadId });
    expect(state?.kind).toMatchObject({ case: "structValue" });
    expect(asked.at(-1)).toBe(`state agent ${threadId}`);
    const before = asked.length;
    expect((await failure(threads().getThreadState({ threadId: randomUUID() })))?.code).toBe(Code.NotFound);
    expect(asked.length).toBe(before);
  });

  it.each([
    [Code.Unavailable, Code.Unavailable, "WORKER_UNAVAILABLE", "the worker is unavailable"],
    [Code.DeadlineExceeded, Code.DeadlineExceeded, "WORKER_TIMED_OUT", "the worker did not answer in time"],
    [Code.Internal, Code.Internal, "WORKER_FAILED", "the worker failed"],
    [Code.PermissionDenied, Code.Internal, "WORKER_FAILED", "the worker failed"],
  ])("a worker answering %s reaches the caller as the store's own %s, its message not forwarded", async (given, code, reason, message) => {
    policy = () => "allow";
    failWith = given;
    const threadId = await ranThread("agent");
    const error = await failure(threads().getThreadState({ threadId }));
    expect(error).toMatchObject({ code, rawMessage: message });
    expect(errorInfoOf(error!)?.reason).toBe(reason);
    failWith = undefined;
  });

  it("a copy the worker cannot fill is removed again: no thread without its state is left", async () => {
    policy = () => "allow";
    const source = await ranThread("agent");
    const { count: before } = (await db.query<{ count: string }>("SELECT count(*) FROM threads")).rows[0]!;
    failWith = Code.Unavailable;
    expect((await failure(threads().copyThread({ threadId: source })))?.code).toBe(Code.Unavailable);
    failWith = undefined;
    const { count: after } = (await db.query<{ count: string }>("SELECT count(*) FROM threads")).rows[0]!;
    expect(after).toBe(before);
    const { thread } = await threads().copyThread({ threadId: source });
    expect(asked.at(-1)).toBe(`copy ${source} ${thread!.threadId}`);
    expect(thread!.metadata).toMatchObject({ graph_id: "agent" });
  });

  it("pruning with a worker down deletes nothing; then it drops the checkpoints before the rows", async () => {
    policy = () => "allow";
    const ids = [await ranThread("agent"), await ranThread("agent")];
    failWith = Code.Unavailable;
    expect((await failure(threads().pruneThreads({ threadIds: ids })))?.code).toBe(Code.Unavailable);
    failWith = undefined;
    expect((await db.query("SELECT 1 FROM threads WHERE thread_id = ANY($1::uuid[])", [ids])).rowCount).toBe(2);
    expect(await threads().pruneThreads({ threadIds: [...ids, randomUUID()], strategy: "keep_latest" })).toMatchObject({ pruned: 2 });
    expect(pruned.at(-1)).toEqual({ threadIds: [...ids].sort(), keepLatest: true });
    expect(await threads().pruneThreads({ threadIds: ids })).toMatchObject({ pruned: 2 });
    expect(pruned.at(-1)).toEqual({ threadIds: [...ids].sort(), keepLatest: false });
    expect((await db.query("SELECT 1 FROM threads WHERE thread_id = ANY($1::uuid[])", [ids])).rowCount).toBe(0);
  });

  it("deleting a thread that ran drops its checkpoints first; with the worker down the thread stays", async () => {
    policy = () => "allow";
    const threadId = await ranThread("agent");
    await db.query("UPDATE runs SET status = 'success' WHERE thread_id = $1", [threadId]);
    failWith = Code.Unavailable;
    expect((await failure(threads().deleteThread({ threadId })))?.code).toBe(Code.Unavailable);
    failWith = undefined;
    expect((await db.query("SELECT 1 FROM threads WHERE thread_id = $1", [threadId])).rowCount).toBe(1);
    await threads().deleteThread({ threadId });
    expect(pruned.at(-1)).toEqual({ threadIds: [threadId], keepLatest: false });
    expect((await db.query("SELECT 1 FROM threads WHERE thread_id = $1", [threadId])).rowCount).toBe(0);
    // A thread that never ran has no checkpoints: deleting it asks no worker.
    const { thread } = await threads().createThread({});
    const before = pruned.length;
    await threads().deleteThread({ threadId: thread!.threadId });
    expect(pruned.length).toBe(before);
    // One whose runs are all still pending has none either: with the worker down it is deleted all the same.
    const pending = await ranThread("agent");
    failWith = Code.Unavailable;
    await threads().deleteThread({ threadId: pending });
    failWith = undefined;
    expect((await db.query("SELECT 1 FROM threads WHERE thread_id = $1", [pending])).rowCount).toBe(0);
  });

  it("refuses a bad prune strategy and a bad id by name, before anything is read", async () => {
    policy = () => "allow";
    expect(await failure(threads().pruneThreads({ threadIds: [randomUUID()], strategy: "all" }))).toMatchObject({ code: Code.InvalidArgument });
    expect(await failure(threads().pruneThreads({ threadIds: ["nope"] }))).toMatchObject({ code: Code.InvalidArgument, rawMessage: "thread_ids[0]: must be a UUID" });
  });

  it("DeleteAssistant with delete_threads needs threads:delete too: denied, nothing is deleted; allowed, its threads go with it", async () => {
    const assistants = createClient(AssistantService, store.transport);
    policy = () => "allow";
    const { assistant } = await assistants.createAssistant({ graphId: "agent" });
    const assistantId = assistant!.assistantId;
    const ran = await ranThread(assistantId);
    const bystander = await ranThread("agent");

    policy = (request) => (request.resource === "threads" && request.action === "delete" ? "deny" : "allow");
    expect((await failure(assistants.deleteAssistant({ assistantId, deleteThreads: true })))?.code).toBe(Code.PermissionDenied);
    expect((await db.query("SELECT 1 FROM assistants WHERE assistant_id = $1", [assistantId])).rowCount).toBe(1);
    expect((await db.query("SELECT 1 FROM threads WHERE thread_id = $1", [ran])).rowCount).toBe(1);

    policy = () => "allow";
    await assistants.deleteAssistant({ assistantId, deleteThreads: true });
    expect(pruned.at(-1)).toEqual({ threadIds: [ran], keepLatest: false });
    expect((await db.query("SELECT 1 FROM threads WHERE thread_id = ANY($1::uuid[])", [[ran, bystander]])).rows).toHaveLength(1);
    expect((await db.query("SELECT 1 FROM assistants WHERE assistant_id = $1", [assistantId])).rowCount).toBe(0);
  });
});
