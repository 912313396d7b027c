/**
 * The gateway's contract with `@langchain/langgraph-sdk`, endpoint by
 * endpoint, in two halves:
 *
 * - compile time: every call goes through the SDK's typed method and its
 *   result is assigned to the SDK's exported type (`const t: Thread = …`),
 *   so the request shapes are the SDK's own and `tsc -p test` checks the
 *   response types line up;
 * - run time: the live answer has every field those types promise, with the
 *   right JS type (test/support/langgraph-shapes.ts).
 *
 * Plus the HTTP-level contract a LangGraph client relies on: errors as
 * `{ "detail": … }` with the status of the gRPC code, 404/405 for unknown
 * routes, 422 for malformed JSON, 413 for an oversized body, 501 for what
 * needs graph execution.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  Assistant,
  AssistantsSearchResponse,
  AssistantVersion,
  Client,
  Cron,
  CronCreateForThreadResponse,
  CronCreateResponse,
  Item,
  ListNamespaceResponse,
  Run,
  SearchItemsResponse,
  Thread,
} from "@langchain/langgraph-sdk";
import {
  assistantShape,
  assistantVersionShape,
  cronShape,
  detailOf,
  expectShape,
  httpErrorOf,
  itemShape,
  runShape,
  sdkClient,
  threadShape,
} from "../support/langgraph-shapes.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

/** The id LangGraph servers (and the gateway) give graph "agent"'s default assistant: uuid5(NAMESPACE_URL, "agent"). */
const agentDefaultAssistantId = "fe096781-5601-53d2-b2f6-0d3403f7e9ca";

let gatehouse: TestGatehouse;
let alice: Client;
let bob: Client;
/** Fails at once on a 5xx instead of retrying, for the 501s of idempotent endpoints. */
let aliceNoRetry: Client;

beforeAll(async () => {
  gatehouse = await startTestGatehouse(fromRoot("gatehouse.json"), {}, undefined, { gateway: true });
  alice = sdkClient(gatehouse.gatewayUrl!, "user1-token");
  bob = sdkClient(gatehouse.gatewayUrl!, "user2-token");
  aliceNoRetry = sdkClient(gatehouse.gatewayUrl!, "user1-token", { maxRetries: 0 });
});

afterAll(async () => {
  await gatehouse?.stop();
});

describe("assistants", () => {
  let assistant: Assistant;

  it("create answers an Assistant with the handler's metadata", async () => {
    assistant = await alice.assistants.create({
      graphId: "agent",
      config: { configurable: { model: "small" } },
      context: { tone: "dry" },
      metadata: { team: "blue" },
      name: "helper",
      description: "helps",
    });
    expectShape(assistant, assistantShape);
    expect(assistant).toMatchObject({ graph_id: "agent", name: "helper", description: "helps", version: 1, context: { tone: "dry" } });
    expect(assistant.metadata).toEqual({ team: "blue", owner: "user1" });
  });

  it("get answers the Assistant; another user's is 404", async () => {
    const read: Assistant = await alice.assistants.get(assistant.assistant_id);
    expectShape(read, assistantShape);
    expect(read.assistant_id).toBe(assistant.assistant_id);
    expect((await httpErrorOf(bob.assistants.get(assistant.assistant_id))).status).toBe(404);
  });

  it("update answers the new latest version, with metadata merged", async () => {
    const updated: Assistant = await alice.assistants.update(assistant.assistant_id, { name: "helper 2", metadata: { stage: "beta" } });
    expectShape(updated, assistantShape);
    expect(updated).toMatchObject({ name: "helper 2", version: 2 });
    expect(updated.metadata).toMatchObject({ team: "blue", stage: "beta", owner: "user1" });
  });

  it("getVersions answers AssistantVersions, newest first", async () => {
    const versions: AssistantVersion[] = await alice.assistants.getVersions(assistant.assistant_id);
    versions.forEach((version) => expectShape(version, assistantVersionShape));
    expect(versions.map((version) => version.version)).toEqual([2, 1]);
  });

  it("setLatest answers the Assistant at the chosen version", async () => {
    const restored: Assistant = await alice.assistants.setLatest(assistant.assistant_id, 1);
    expectShape(restored, assistantShape);
    expect(restored).toMatchObject({ version: 1, name: "helper" });
  });

  it("search answers Assistants, and with includePagination the next offset of a full page", async () => {
    const found: Assistant[] = await alice.assistants.search({ graphId: "agent", metadata: { team: "blue" } });
    found.forEach((item) => expectShape(item, assistantShape));
    expect(found.map((item) => item.assistant_id)).toEqual([assistant.assistant_id]);
    const page: AssistantsSearchResponse = await alice.assistants.search({ limit: 1, includePagination: true });
    expect(page.assistants).toHaveLength(1);
    expect(page.next).toBe("1");
    const selected = await alice.assistants.search({ select: ["assistant_id", "name"] });
    expect(Object.keys(selected[0]!).sort()).toEqual(["assistant_id", "name"]);
  });

  it("count answers a number", async () => {
    const count: number = await alice.assistants.count({ graphId: "agent" });
    expect(count).toBe(1);
    expect(await bob.assistants.count()).toBe(0);
  });

  it("a graph id in the path names the graph's system assistant, which an owner filter hides like any assistant", async () => {
    const missingId = randomUUID();
    const hidden = await httpErrorOf(alice.assistants.get("agent"));
    const missing = await httpErrorOf(alice.assistants.get(missingId));
    expect(hidden.status).toBe(404);
    // Worded as LangGraph words it, each naming the id it was asked for and nothing else.
    expect(detailOf(hidden)).toBe("Assistant with ID agent not found");
    expect(detailOf(missing)).toBe(`Assistant with ID ${missingId} not found`);
    const found = await alice.assistants.search({ graphId: "agent", limit: 100 });
    expect(found.map((each) => each.assistant_id)).not.toContain(agentDefaultAssistantId);
    // Creating over it is refused as for any assistant id already taken.
    const taken = await httpErrorOf(alice.assistants.create({ graphId: "agent", assistantId: agentDefaultAssistantId, ifExists: "do_nothing" }));
    expect(taken.status).toBe(409);
  });

  it("delete answers nothing, and the assistant is gone", async () => {
    const deleted: void = await alice.assistants.delete(assistant.assistant_id);
    expect(deleted).toBeUndefined();
    expect((await httpErrorOf(alice.assistants.get(assistant.assistant_id))).status).toBe(404);
  });

  it("a graph Gatehouse does not declare is 422 naming the field", async () => {
    const error = await httpErrorOf(alice.assistants.create({ graphId: "nope" }));
    expect(error.status).toBe(422);
    expect(detailOf(error)).toBe('graph_id: no graph "nope" is configured');
  });

  it("a graph's structure, schemas and subgraphs come from a worker: with none running they are a 503 saying so", async () => {
    const made = await alice.assistants.create({ graphId: "agent" });
    const calls = [
      () => aliceNoRetry.assistants.getGraph(made.assistant_id),
      () => aliceNoRetry.assistants.getSchemas(made.assistant_id),
      () => aliceNoRetry.assistants.getSubgraphs(made.assistant_id),
    ];
    for (const call of calls) {
      const error = await httpErrorOf(call());
      expect(error.status).toBe(503);
      expect(detailOf(error)).toBe("the worker is unavailable");
    }
  });
});

describe("threads", () => {
  let thread: Thread;

  it("create answers a Thread with the handler's metadata, and an id of the client's choosing", async () => {
    const threadId = randomUUID();
    thread = await alice.threads.create({ threadId, metadata: { topic: "contract" } });
    expectShape(thread, threadShape);
    expect(thread).toMatchObject({ thread_id: threadId, status: "idle", metadata: { topic: "contract", owner: "user1" } });
  });

  it("create with a taken id is 409, or the existing thread with ifExists do_nothing", async () => {
    expect((await httpErrorOf(alice.threads.create({ threadId: thread.thread_id }))).status).toBe(409);
    const existing: Thread = await alice.threads.create({ threadId: thread.thread_id, ifExists: "do_nothing" });
    expect(existing.created_at).toBe(thread.created_at);
  });

  it("get answers the Thread; a malformed id is 422 naming the field", async () => {
    const read: Thread = await alice.threads.get(thread.thread_id);
    expectShape(read, threadShape);
    expect(read).toEqual(thread);
    const error = await httpErrorOf(alice.threads.get("not-a-uuid"));
    expect(error.status).toBe(422);
    expect(detailOf(error)).toBe("thread_id: must be a UUID");
  });

  it("update merges metadata and answers the Thread, or nothing with returnMinimal", async () => {
    const updated: Thread = await alice.threads.update(thread.thread_id, { metadata: { mood: "good" } });
    expectShape(updated, threadShape);
    expect(updated.metadata).toEqual({ topic: "contract", mood: "good", owner: "user1" });
    const minimal: void = await alice.threads.update(thread.thread_id, { metadata: { mood: "calm" }, returnMinimal: true });
    expect(minimal).toBeUndefined();
    expect((await alice.threads.get(thread.thread_id)).metadata).toMatchObject({ mood: "calm" });
  });

  it("search answers Threads matching metadata, ids and status, with select", async () => {
    const found: Thread[] = await alice.threads.search({ metadata: { topic: "contract" }, status: "idle", ids: [thread.thread_id] });
    found.forEach((item) => expectShape(item, threadShape));
    expect(found.map((item) => item.thread_id)).toEqual([thread.thread_id]);
    const selected = await alice.threads.search({ select: ["thread_id", "metadata"], sortBy: "updated_at", sortOrder: "asc" });
    expect(Object.keys(selected[0]!).sort()).toEqual(["metadata", "thread_id"]);
    expect(await bob.threads.search()).toEqual([]);
  });

  it("count answers a number", async () => {
    const count: number = await alice.threads.count({ metadata: { topic: "contract" } });
    expect(count).toBe(1);
  });

  it("copy answers a new Thread with the same metadata", async () => {
    const copy: Thread = await alice.threads.copy(thread.thread_id);
    expectShape(copy, threadShape);
    expect(copy.thread_id).not.toBe(thread.thread_id);
    expect(copy.metadata).toMatchObject({ topic: "contract", owner: "user1" });
    await alice.threads.delete(copy.thread_id);
  });

  it("delete answers nothing; deleting again is 404", async () => {
    const scratch = await alice.threads.create();
    const deleted: void = await alice.threads.delete(scratch.thread_id);
    expect(deleted).toBeUndefined();
    expect((await httpErrorOf(alice.threads.delete(scratch.thread_id))).status).toBe(404);
  });

  it("state and history of a thread no run has touched are LangGraph's empty ones, without asking a worker", async () => {
    expect(await aliceNoRetry.threads.getState(thread.thread_id)).toEqual({
      values: {},
      next: [],
      tasks: [],
      checkpoint: null,
      metadata: null,
      created_at: null,
      parent_checkpoint: null,
      interrupts: [],
    });
    expect(await aliceNoRetry.threads.getHistory(thread.thread_id)).toEqual([]);
  });

  it("options Gatehouse cannot honour are 422 naming the field, not silently dropped", async () => {
    const error = await httpErrorOf(alice.threads.create({ ttl: 60 }));
    expect(error.status).toBe(422);
    expect(detailOf(error)).toMatch(/^ttl: /);
  });
});

describe("runs", () => {
  let thread: Thread;
  let run: Run;

  beforeAll(async () => {
    thread = await alice.threads.create();
  });

  it("create on a thread answers a pending Run recording what was asked, and the SDK learns its ids", async () => {
    let reported: { run_id: string; thread_id?: string } | undefined;
    run = await alice.runs.create(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "hello" }] },
      metadata: { source: "contract" },
      streamMode: ["values", "updates"],
      multitaskStrategy: "enqueue",
      onRunCreated: (ids) => (reported = ids),
    });
    expectShape(run, runShape);
    expect(run).toMatchObject({ thread_id: thread.thread_id, assistant_id: agentDefaultAssistantId, status: "pending", multitask_strategy: "enqueue" });
    expect(run.metadata).toMatchObject({ source: "contract" });
    expect(reported).toEqual({ run_id: run.run_id, thread_id: thread.thread_id });
    expect((run as Run & { kwargs: Record<string, unknown> }).kwargs).toMatchObject({ stream_mode: ["values", "updates"] });
  });

  it("the run's kwargs record the client's input as the JSON it sent", async () => {
    expect((run as Run & { kwargs: Record<string, unknown> }).kwargs.input).toEqual({ messages: [{ role: "user", content: "hello" }] });
  });

  it("create without a thread answers a pending Run on a new thread", async () => {
    const threadless: Run = await alice.runs.create(null, "agent", { input: { q: 1 } });
    expectShape(threadless, runShape);
    expect(threadless.status).toBe("pending");
    expect(threadless.thread_id).not.toBe(thread.thread_id);
  });

  it("get and list answer Runs; another user's are 404", async () => {
    const read: Run = await alice.runs.get(thread.thread_id, run.run_id);
    expectShape(read, runShape);
    expect(read.run_id).toBe(run.run_id);
    const listed: Run[] = await alice.runs.list(thread.thread_id, { status: "pending" });
    listed.forEach((item) => expectShape(item, runShape));
    expect(listed.map((item) => item.run_id)).toEqual([run.run_id]);
    const selected = await alice.runs.list(thread.thread_id, { select: ["run_id", "status"] });
    expect(Object.keys(selected[0]!).sort()).toEqual(["run_id", "status"]);
    expect((await httpErrorOf(bob.runs.get(thread.thread_id, run.run_id))).status).toBe(404);
    expect((await httpErrorOf(bob.runs.list(thread.thread_id))).status).toBe(404);
  });

  it("cancel answers nothing and leaves the run interrupted; cancelling it again is 400", async () => {
    const cancelled: void = await alice.runs.cancel(thread.thread_id, run.run_id);
    expect(cancelled).toBeUndefined();
    expect((await alice.runs.get(thread.thread_id, run.run_id)).status).toBe("interrupted");
    expect((await httpErrorOf(alice.runs.cancel(thread.thread_id, run.run_id))).status).toBe(400);
  });

  it("delete answers nothing, and the run is gone", async () => {
    const deleted: void = await alice.runs.delete(thread.thread_id, run.run_id);
    expect(deleted).toBeUndefined();
    expect((await httpErrorOf(alice.runs.get(thread.thread_id, run.run_id))).status).toBe(404);
  });
});

describe("crons", () => {
  let thread: Thread;
  let cron: CronCreateForThreadResponse;

  beforeAll(async () => {
    thread = await alice.threads.create();
  });

  it("createForThread answers the cron, its run request stored as the payload, with the next run date", async () => {
    cron = await alice.crons.createForThread(thread.thread_id, "agent", {
      schedule: "30 9 * * 1",
      input: { q: "weekly" },
      metadata: { kind: "report" },
    });
    expectShape(cron, cronShape);
    expect(cron).toMatchObject({ thread_id: thread.thread_id, assistant_id: "agent", schedule: "30 9 * * 1", enabled: true });
    expect(cron.payload).toEqual({ input: { q: "weekly" } });
    expect(cron.metadata).toMatchObject({ kind: "report", owner: "user1" });
    const next = new Date(cron.next_run_date);
    expect([next.getUTCDay(), next.getUTCHours(), next.getUTCMinutes()]).toEqual([1, 9, 30]);
    expect(next.getTime()).toBeGreaterThan(Date.now());
  });

  it("create without a thread answers the cron with a null thread and its end time", async () => {
    const endTime = new Date(Date.now() + 86_400_000).toISOString();
    const threadless: CronCreateResponse = await alice.crons.create("agent", { schedule: "0 * * * *", endTime });
    expectShape(threadless, cronShape);
    expect(threadless.thread_id).toBeNull();
    expect(threadless.end_time).toBe(endTime);
  });

  it("search answers Crons for a thread or an assistant; count answers a number", async () => {
    const found: Cron[] = await alice.crons.search({ threadId: thread.thread_id });
    found.forEach((item) => expectShape(item, cronShape));
    expect(found.map((item) => item.cron_id)).toEqual([cron.cron_id]);
    expect(await alice.crons.search({ assistantId: "agent" })).toHaveLength(2);
    const count: number = await alice.crons.count({ assistantId: "agent" });
    expect(count).toBe(2);
    expect(await bob.crons.count()).toBe(0);
  });

  it("update changes the schedule and merges run fields into the payload", async () => {
    const updated: Cron = await alice.crons.update(cron.cron_id, { schedule: "0 8 * * *", config: { tags: ["daily"] } });
    expectShape(updated, cronShape);
    expect(updated.schedule).toBe("0 8 * * *");
    expect(updated.payload).toEqual({ input: { q: "weekly" }, config: { tags: ["daily"] } });
  });

  it("a malformed schedule is 422 naming the field", async () => {
    const error = await httpErrorOf(alice.crons.create("agent", { schedule: "every day" }));
    expect(error.status).toBe(422);
    expect(detailOf(error)).toMatch(/^schedule: /);
  });

  it("delete answers nothing; another user's cron is 404", async () => {
    expect((await httpErrorOf(bob.crons.delete(cron.cron_id))).status).toBe(404);
    const deleted: void = await alice.crons.delete(cron.cron_id);
    expect(deleted).toBeUndefined();
    expect(await alice.crons.search({ threadId: thread.thread_id })).toEqual([]);
  });
});

// The example module partitions the store by user (README, "Your auth module"): alice writes under ["user1", …].
describe("store", () => {
  it("putItem answers nothing; getItem answers the Item", async () => {
    const put: void = await alice.store.putItem(["user1", "notes"], "a", { text: "first", tag: "x", owner: "user1" });
    expect(put).toBeUndefined();
    const item: Item | null = await alice.store.getItem(["user1", "notes"], "a");
    expectShape(item, itemShape);
    expect(item).toMatchObject({ namespace: ["user1", "notes"], key: "a", value: { text: "first", tag: "x", owner: "user1" } });
  });

  it("getItem answers null for a missing item; in another user's namespace it is a 403 whether or not the key exists", async () => {
    expect(await alice.store.getItem(["user1", "notes"], "missing")).toBeNull();
    const existing = await httpErrorOf(bob.store.getItem(["user1", "notes"], "a"));
    const missing = await httpErrorOf(bob.store.getItem(["user1", "notes"], "missing"));
    expect([existing.status, existing.message]).toEqual([missing.status, missing.message]);
    expect(existing.status).toBe(403);
  });

  it("searchItems answers Items under a prefix that match the filter", async () => {
    await alice.store.putItem(["user1", "notes"], "b", { text: "second", tag: "y", owner: "user1" });
    const result: SearchItemsResponse = await alice.store.searchItems(["user1"], { filter: { tag: "y" } });
    result.items.forEach((item) => expectShape(item, itemShape));
    expect(result.items.map((item) => item.key)).toEqual(["b"]);
  });

  it("listNamespaces answers the namespaces as label lists", async () => {
    await alice.store.putItem(["user1", "prefs"], "theme", { dark: true, owner: "user1" });
    const listed: ListNamespaceResponse = await alice.store.listNamespaces({ prefix: ["user1"] });
    expect(listed.namespaces).toEqual([
      ["user1", "notes"],
      ["user1", "prefs"],
    ]);
    expect((await alice.store.listNamespaces({ maxDepth: 1 })).namespaces).toEqual([["user1"]]);
  });

  it("deleteItem answers nothing, and the item is gone", async () => {
    const deleted: void = await alice.store.deleteItem(["user1", "notes"], "a");
    expect(deleted).toBeUndefined();
    expect(await alice.store.getItem(["user1", "notes"], "a")).toBeNull();
  });

  it("a semantic search query is 422: Gatehouse has no semantic index", async () => {
    const error = await httpErrorOf(alice.store.searchItems(["user1"], { query: "notes about cats" }));
    expect(error.status).toBe(422);
    expect(detailOf(error)).toMatch(/^query: /);
  });
});

describe("HTTP", () => {
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${gatehouse.gatewayUrl}${path}`, {
      ...init,
      headers: { authorization: "Bearer user1-token", "content-type": "application/json", ...init.headers },
    });

  it("an unknown route is 404 with detail Not Found", async () => {
    const response = await call("/nowhere");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ detail: "Not Found" });
  });

  it("a known route with another method is 405 naming the allowed ones", async () => {
    const response = await call("/store/namespaces");
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(await response.json()).toEqual({ detail: "Method Not Allowed" });
  });

  it("a body that is not JSON is 422", async () => {
    const response = await call("/threads", { method: "POST", body: "{not json" });
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({ detail: "body: not valid JSON" });
  });

  it("a body that is JSON but not an object is 422", async () => {
    const response = await call("/threads/search", { method: "POST", body: "[1]" });
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({ detail: "body: must be a JSON object" });
  });

  it("a body over the limit is 413", async () => {
    const response = await call("/threads", { method: "POST", body: JSON.stringify({ metadata: { blob: "x".repeat(3 * 1024 * 1024) } }) });
    expect(response.status).toBe(413);
    expect((await response.json()).detail).toMatch(/^body: larger than \d+ bytes$/);
  });

  it("an endpoint Gatehouse does not offer is 501 whatever its body, malformed included, and the connection stays usable", async () => {
    const response = await call("/threads/state/batch", { method: "POST", body: "{not json" });
    expect(response.status).toBe(501);
    expect((await response.json()).detail).toMatch(/not offered by the Gatehouse gateway/);
    expect((await call("/threads/search", { method: "POST", body: "{}" })).status).toBe(200);
  });

  it("a field of the wrong type is 422 naming the field", async () => {
    const response = await call("/threads/search", { method: "POST", body: JSON.stringify({ limit: "ten" }) });
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({ detail: "limit: must be a 32-bit integer" });
  });

  it("the health check answers ok without a credential", async () => {
    const response = await fetch(`${gatehouse.gatewayUrl}/ok`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });
});
