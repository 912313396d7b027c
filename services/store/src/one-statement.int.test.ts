/**
 * Requests that used to take two statements (or two RPCs) take one, on real
 * Postgres through the real routes: a cron update merges its payload patch
 * in SQL, so updating needs crons:update only; ListRuns and
 * ListAssistantVersions check the parent in the statement that reads.
 */
import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { AssistantService, CronService, RunService, ThreadService, type AuthorizeRequest } from "@gatehouse/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "./sql/database.js";
import { createInMemoryStore, type AuthzAnswer } from "./testing/in-memory-store.js";
import { createMigratedDatabase, type MigratedDatabase } from "./testing/migrated-database.js";

const serverUrl = process.env.DATABASE_URL;

describe.skipIf(!serverUrl)("one statement per request, on real Postgres", () => {
  let database: MigratedDatabase;
  let db: Database;
  let policy: (request: AuthorizeRequest) => AuthzAnswer = () => "allow";
  let store: ReturnType<typeof createInMemoryStore>;

  beforeAll(async () => {
    database = await createMigratedDatabase(serverUrl!, "gatehouse_one_statement", 2);
    db = database.db;
    store = createInMemoryStore(db, (request) => policy(request));
  });

  afterAll(async () => {
    await database?.drop();
  });

  const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => ConnectError.from(error));

  it("a caller allowed crons:update but not crons:read merges a payload patch into the stored payload", async () => {
    const crons = createClient(CronService, store.transport);
    policy = () => "allow";
    const { cron } = await crons.createCron({ assistantId: "agent", schedule: "* * * * *", payload: { input: { a: 1 }, stream_mode: "values" } });
    policy = (request) => (request.action === "read" ? "deny" : "allow");
    expect((await failure(crons.getCron({ cronId: cron!.cronId })))?.code).toBe(Code.PermissionDenied);
    const updated = await crons.updateCron({ cronId: cron!.cronId, schedule: "0 * * * *", payloadPatch: { input: { b: 2 } } });
    expect(updated.cron?.schedule).toBe("0 * * * *");
    expect(updated.cron?.payload).toEqual({ input: { b: 2 }, stream_mode: "values" });
  });

  it("a payload patch on a missing cron answers NOT_FOUND", async () => {
    policy = () => "allow";
    const crons = createClient(CronService, store.transport);
    expect((await failure(crons.updateCron({ cronId: randomUUID(), payloadPatch: { input: {} } })))?.code).toBe(Code.NotFound);
  });

  it("ListRuns answers an empty page for a visible thread without runs, and NOT_FOUND for a missing one", async () => {
    policy = () => "allow";
    const { thread } = await createClient(ThreadService, store.transport).createThread({});
    const runs = createClient(RunService, store.transport);
    expect((await runs.listRuns({ threadId: thread!.threadId })).runs).toEqual([]);
    await runs.createRun({ threadId: thread!.threadId, assistantId: "agent" });
    expect((await runs.listRuns({ threadId: thread!.threadId })).runs).toHaveLength(1);
    expect((await failure(runs.listRuns({ threadId: randomUUID() })))?.code).toBe(Code.NotFound);
  });

  it("ListAssistantVersions pages a visible assistant's versions, and answers NOT_FOUND for a missing one", async () => {
    policy = () => "allow";
    const assistants = createClient(AssistantService, store.transport);
    const { assistant } = await assistants.createAssistant({ graphId: "agent" });
    await assistants.updateAssistant({ assistantId: assistant!.assistantId, name: "second" });
    const { versions } = await assistants.listAssistantVersions({ assistantId: assistant!.assistantId });
    expect(versions.map((version) => version.version)).toEqual([2, 1]);
    expect((await assistants.listAssistantVersions({ assistantId: assistant!.assistantId, offset: 5 })).versions).toEqual([]);
    expect((await failure(assistants.listAssistantVersions({ assistantId: randomUUID() })))?.code).toBe(Code.NotFound);
  });
});
