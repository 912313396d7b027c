/**
 * Every store RPC on real Postgres, end to end: the owner is served; another
 * user gets exactly the answer a missing id gets, and nothing changes.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, expectOk, fromStruct, grpc, storeClient, toStruct, type StoreClient } from "../support/proto-client.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

let gatehouse: TestGatehouse;
let alice: StoreClient;
let bob: StoreClient;

beforeAll(async () => {
  gatehouse = await startTestGatehouse(fromRoot("test/fixtures/store-owner.gatehouse.json"));
  alice = storeClient(gatehouse.storeAddress, { authorization: "Bearer user1-token" });
  bob = storeClient(gatehouse.storeAddress, { authorization: "Bearer user2-token" });
});

afterAll(async () => {
  alice?.close();
  bob?.close();
  await gatehouse?.stop();
});

describe("threads", () => {
  it("create stamps the owner, honours a chosen id, and raises on a taken id", async () => {
    const threadId = randomUUID();
    const { thread } = expectOk(await alice.call("ThreadService", "CreateThread", { thread_id: threadId, metadata: toStruct({ a: 1 }) }));
    expect(thread.thread_id).toBe(threadId);
    expect(fromStruct(thread.metadata)).toEqual({ a: 1, owner: "user1" });
    expect(expectError(await alice.call("ThreadService", "CreateThread", { thread_id: threadId })).code).toBe(grpc.status.ALREADY_EXISTS);
    const again = expectOk(await alice.call("ThreadService", "CreateThread", { thread_id: threadId, if_exists: "do_nothing" }));
    expect(again.thread.thread_id).toBe(threadId);
  });

  it("create with do_nothing on another user's id is ALREADY_EXISTS and returns nothing of it", async () => {
    const { thread } = expectOk(await alice.call("ThreadService", "CreateThread", {}));
    const error = expectError(await bob.call("ThreadService", "CreateThread", { thread_id: thread.thread_id, if_exists: "do_nothing" }));
    expect(error.code).toBe(grpc.status.ALREADY_EXISTS);
  });

  it("update shallow-merges metadata and keeps the owner stamp", async () => {
    const { thread } = expectOk(await alice.call("ThreadService", "CreateThread", { metadata: toStruct({ a: 1, b: 2 }) }));
    const updated = expectOk(await alice.call("ThreadService", "UpdateThread", { thread_id: thread.thread_id, metadata: toStruct({ b: 3, owner: "user2" }) }));
    expect(fromStruct(updated.thread.metadata)).toEqual({ a: 1, b: 3, owner: "user1" });
  });

  it("search filters by metadata, status and ids, pages, and sorts either way", async () => {
    const tag = randomUUID();
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      ids.push(expectOk(await alice.call("ThreadService", "CreateThread", { metadata: toStruct({ tag, i }) })).thread.thread_id);
    }
    const newestFirst = expectOk(await alice.call("ThreadService", "SearchThreads", { metadata: toStruct({ tag }) })).threads;
    expect(newestFirst.map((thread: { thread_id: string }) => thread.thread_id)).toEqual([...ids].reverse());
    const oldestFirst = expectOk(await alice.call("ThreadService", "SearchThreads", { metadata: toStruct({ tag }), sort_order: "asc", limit: 2 })).threads;
    expect(oldestFirst.map((thread: { thread_id: string }) => thread.thread_id)).toEqual(ids.slice(0, 2));
    const second = expectOk(await alice.call("ThreadService", "SearchThreads", { metadata: toStruct({ tag }), sort_order: "asc", limit: 1, offset: 1 })).threads;
    expect(second[0].thread_id).toBe(ids[1]);
    const byId = expectOk(await alice.call("ThreadService", "SearchThreads", { ids: [ids[2]], status: "idle" })).threads;
    expect(byId).toHaveLength(1);
    expect(expectOk(await alice.call("ThreadService", "CountThreads", { metadata: toStruct({ tag }) })).count).toBe("3");
    expect(expectOk(await bob.call("ThreadService", "CountThreads", { metadata: toStruct({ tag }) })).count).toBe("0");
  });

  it("copy makes a new thread with the source's metadata, owned by the caller", async () => {
    const { thread } = expectOk(await alice.call("ThreadService", "CreateThread", { metadata: toStruct({ topic: "x" }) }));
    const { thread: copy } = expectOk(await alice.call("ThreadService", "CopyThread", { thread_id: thread.thread_id }));
    expect(copy.thread_id).not.toBe(thread.thread_id);
    expect(fromStruct(copy.metadata)).toEqual({ topic: "x", owner: "user1" });
  });

  it("delete removes the thread and its runs", async () => {
    const { thread } = expectOk(await alice.call("ThreadService", "CreateThread", {}));
    const { run } = expectOk(await alice.call("RunService", "CreateRun", { thread_id: thread.thread_id, assistant_id: "agent" }));
    expectOk(await alice.call("ThreadService", "DeleteThread", { thread_id: thread.thread_id }));
    expect(expectError(await alice.call("ThreadService", "GetThread", { thread_id: thread.thread_id })).code).toBe(grpc.status.NOT_FOUND);
    expect(expectError(await alice.call("RunService", "GetRun", { thread_id: thread.thread_id, run_id: run.run_id })).code).toBe(
      grpc.status.NOT_FOUND,
    );
  });

  it.each([
    ["a bad status", { status: "sleeping" }, "status: must be one of"],
    ["a negative offset", { offset: -1 }, "offset: must be between"],
    ["a huge limit", { limit: 100_000 }, "limit: must be between"],
    ["a bad sort", { sort_by: "thread_id" }, "sort_by: must be one of"],
    ["a bad id", { ids: ["nope"] }, "ids[0]: must be a UUID"],
  ])("search with %s is INVALID_ARGUMENT naming the field", async (_name, request, message) => {
    const error = expectError(await alice.call("ThreadService", "SearchThreads", request));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toContain(message);
  });

  it("metadata with a NUL character is INVALID_ARGUMENT and nothing is written", async () => {
    const tag = randomUUID();
    const error = expectError(await alice.call("ThreadService", "CreateThread", { metadata: toStruct({ tag, bad: "a\u0000b" }) }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(expectOk(await alice.call("ThreadService", "CountThreads", { metadata: toStruct({ tag }) })).count).toBe("0");
  });

  it("oversized metadata is INVALID_ARGUMENT", async () => {
    const error = expectError(await alice.call("ThreadService", "CreateThread", { metadata: toStruct({ big: "x".repeat(70_000) }) }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toContain("metadata: larger than");
  });
});

describe("assistants", () => {
  it("update keeps versions; a version can be read and made the latest again", async () => {
    const { assistant } = expectOk(await alice.call("AssistantService", "CreateAssistant", { graph_id: "agent", name: "v1", config: toStruct({ t: 1 }) }));
    expect(assistant.version).toBe(1);
    const v2 = expectOk(await alice.call("AssistantService", "UpdateAssistant", { assistant_id: assistant.assistant_id, name: "v2", metadata: toStruct({ k: "x" }) }));
    expect(v2.assistant).toMatchObject({ version: 2, name: "v2" });
    expect(fromStruct(v2.assistant.config)).toEqual({ t: 1 });
    expect(fromStruct(v2.assistant.metadata)).toEqual({ k: "x", owner: "user1" });
    const versions = expectOk(await alice.call("AssistantService", "ListAssistantVersions", { assistant_id: assistant.assistant_id })).versions;
    expect(versions.map((version: { version: number }) => version.version)).toEqual([2, 1]);
    const first = expectOk(await alice.call("AssistantService", "GetAssistant", { assistant_id: assistant.assistant_id, version: 1 }));
    expect(first.assistant.name).toBe("v1");
    const restored = expectOk(await alice.call("AssistantService", "SetLatestAssistantVersion", { assistant_id: assistant.assistant_id, version: 1 }));
    expect(restored.assistant).toMatchObject({ version: 1, name: "v1" });
    const v3 = expectOk(await alice.call("AssistantService", "UpdateAssistant", { assistant_id: assistant.assistant_id, name: "v3" }));
    expect(v3.assistant.version).toBe(3);
  });

  it("search and count filter by graph and metadata; delete removes", async () => {
    const tag = randomUUID();
    expectOk(await alice.call("AssistantService", "CreateAssistant", { graph_id: "agent", metadata: toStruct({ tag }) }));
    const { assistant } = expectOk(await alice.call("AssistantService", "CreateAssistant", { graph_id: "other", metadata: toStruct({ tag }) }));
    expect(expectOk(await alice.call("AssistantService", "SearchAssistants", { metadata: toStruct({ tag }) })).assistants).toHaveLength(2);
    expect(expectOk(await alice.call("AssistantService", "SearchAssistants", { metadata: toStruct({ tag }), graph_id: "other" })).assistants).toHaveLength(1);
    expect(expectOk(await alice.call("AssistantService", "CountAssistants", { metadata: toStruct({ tag }) })).count).toBe("2");
    expect(expectOk(await bob.call("AssistantService", "CountAssistants", { metadata: toStruct({ tag }) })).count).toBe("0");
    expectOk(await alice.call("AssistantService", "DeleteAssistant", { assistant_id: assistant.assistant_id }));
    expect(expectOk(await alice.call("AssistantService", "CountAssistants", { metadata: toStruct({ tag }) })).count).toBe("1");
  });

  it("an unknown graph is INVALID_ARGUMENT", async () => {
    const error = expectError(await alice.call("AssistantService", "CreateAssistant", { graph_id: "nope" }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toBe('graph_id: no graph "nope" is configured');
  });
});

describe("runs", () => {
  it("lists by thread and status, cancels a pending run once, deletes", async () => {
    const { thread } = expectOk(await alice.call("ThreadService", "CreateThread", {}));
    const first = expectOk(await alice.call("RunService", "CreateRun", { thread_id: thread.thread_id, assistant_id: "agent" })).run;
    const second = expectOk(await alice.call("RunService", "CreateRun", { thread_id: thread.thread_id, assistant_id: "agent", multitask_strategy: "enqueue" })).run;
    const listed = expectOk(await alice.call("RunService", "ListRuns", { thread_id: thread.thread_id })).runs;
    expect(listed.map((run: { run_id: string }) => run.run_id)).toEqual([second.run_id, first.run_id]);
    const cancelled = expectOk(await alice.call("RunService", "CancelRun", { thread_id: thread.thread_id, run_id: first.run_id }));
    expect(cancelled.run.status).toBe("interrupted");
    expect(expectError(await alice.call("RunService", "CancelRun", { thread_id: thread.thread_id, run_id: first.run_id })).code).toBe(
      grpc.status.FAILED_PRECONDITION,
    );
    expect(expectOk(await alice.call("RunService", "ListRuns", { thread_id: thread.thread_id, status: "pending" })).runs).toHaveLength(1);
    expectOk(await alice.call("RunService", "DeleteRun", { thread_id: thread.thread_id, run_id: second.run_id }));
    expect(expectOk(await alice.call("RunService", "ListRuns", { thread_id: thread.thread_id })).runs).toHaveLength(1);
  });

  it("a run without a thread creates a thread the caller owns", async () => {
    const { run } = expectOk(await alice.call("RunService", "CreateRun", { assistant_id: "agent", metadata: toStruct({ k: 1 }) }));
    const { thread } = expectOk(await alice.call("ThreadService", "GetThread", { thread_id: run.thread_id }));
    expect(fromStruct(thread.metadata)).toEqual({ k: 1, owner: "user1" });
    expect(expectError(await bob.call("ThreadService", "GetThread", { thread_id: run.thread_id })).code).toBe(grpc.status.NOT_FOUND);
  });
});

describe("crons", () => {
  it("creates, reads, updates, searches, counts and deletes; schedules are validated", async () => {
    const { thread } = expectOk(await alice.call("ThreadService", "CreateThread", {}));
    const bound = expectOk(await alice.call("CronService", "CreateCron", { thread_id: thread.thread_id, assistant_id: "agent", schedule: "*/5 * * * *" })).cron;
    const unbound = expectOk(await alice.call("CronService", "CreateCron", { assistant_id: "agent", schedule: "0 9 * * 1-5" })).cron;
    expect(fromStruct(bound.metadata)).toEqual({ owner: "user1" });
    expect(unbound.thread_id).toBe("");
    const updated = expectOk(await alice.call("CronService", "UpdateCron", { cron_id: bound.cron_id, schedule: "0 0 1 1 *" }));
    expect(updated.cron.schedule).toBe("0 0 1 1 *");
    expect(expectOk(await alice.call("CronService", "SearchCrons", { thread_id: thread.thread_id })).crons).toHaveLength(1);
    expect(Number(expectOk(await alice.call("CronService", "CountCrons", {})).count)).toBeGreaterThanOrEqual(2);
    expect(expectOk(await bob.call("CronService", "CountCrons", {})).count).toBe("0");
    expectOk(await alice.call("CronService", "DeleteCron", { cron_id: unbound.cron_id }));
    expect(expectError(await alice.call("CronService", "GetCron", { cron_id: unbound.cron_id })).code).toBe(grpc.status.NOT_FOUND);
  });

  it.each([["* * * *"], ["60 * * * *"], ["* * 0 * *"], ["5-1 * * * *"], ["*/0 * * * *"], ["a * * * *"]])(
    "schedule %j is INVALID_ARGUMENT",
    async (schedule) => {
      const error = expectError(await alice.call("CronService", "CreateCron", { assistant_id: "agent", schedule }));
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(error.details).toMatch(/^schedule: /);
    },
  );
});

describe("items", () => {
  it("put, get, search by prefix and value, list namespaces, delete", async () => {
    const root = `ns-${randomUUID().slice(0, 8)}`;
    expectOk(await alice.call("ItemService", "PutItem", { namespace: [root, "memories"], key: "a", value: toStruct({ kind: "fact", n: 1 }) }));
    expectOk(await alice.call("ItemService", "PutItem", { namespace: [root, "memories"], key: "b", value: toStruct({ kind: "wish", n: 2 }) }));
    expectOk(await alice.call("ItemService", "PutItem", { namespace: [root, "notes", "deep"], key: "c", value: toStruct({ kind: "fact" }) }));
    const { item } = expectOk(await alice.call("ItemService", "GetItem", { namespace: [root, "memories"], key: "a" }));
    expect(fromStruct(item.value)).toEqual({ kind: "fact", n: 1, owner: "user1" });
    const facts = expectOk(await alice.call("ItemService", "SearchItems", { namespace_prefix: [root], filter: toStruct({ kind: "fact" }) })).items;
    expect(facts.map((found: { key: string }) => found.key).sort()).toEqual(["a", "c"]);
    const underMemories = expectOk(await alice.call("ItemService", "SearchItems", { namespace_prefix: [root, "memories"] })).items;
    expect(underMemories).toHaveLength(2);
    const namespaces = expectOk(await alice.call("ItemService", "ListNamespaces", { prefix: [root] })).namespaces;
    expect(namespaces.map((ns: { labels: string[] }) => ns.labels)).toEqual([[root, "memories"], [root, "notes", "deep"]]);
    const shallow = expectOk(await alice.call("ItemService", "ListNamespaces", { prefix: [root], max_depth: 2 })).namespaces;
    expect(shallow.map((ns: { labels: string[] }) => ns.labels)).toEqual([[root, "memories"], [root, "notes"]]);
    const bySuffix = expectOk(await alice.call("ItemService", "ListNamespaces", { prefix: [root], suffix: ["deep"] })).namespaces;
    expect(bySuffix).toHaveLength(1);
    expect(expectOk(await bob.call("ItemService", "ListNamespaces", { prefix: [root] })).namespaces).toEqual([]);
    expectOk(await alice.call("ItemService", "DeleteItem", { namespace: [root, "memories"], key: "a" }));
    expect(expectError(await alice.call("ItemService", "GetItem", { namespace: [root, "memories"], key: "a" })).code).toBe(grpc.status.NOT_FOUND);
  });

  it("a prefix containing LIKE wildcards matches only itself", async () => {
    const root = `w%_${randomUUID().slice(0, 8)}`;
    expectOk(await alice.call("ItemService", "PutItem", { namespace: [root], key: "k", value: toStruct({}) }));
    expectOk(await alice.call("ItemService", "PutItem", { namespace: [root.replace("%_", "xy")], key: "k", value: toStruct({}) }));
    expect(expectOk(await alice.call("ItemService", "SearchItems", { namespace_prefix: [root] })).items).toHaveLength(1);
  });

  it.each([
    ["an empty namespace", { namespace: [], key: "k" }, "namespace: must have at least one label"],
    ["a dotted label", { namespace: ["a.b"], key: "k" }, "namespace: labels must not contain '.'"],
    ["an empty key", { namespace: ["a"], key: "" }, "key: required"],
    ["a NUL in the key", { namespace: ["a"], key: "k\u0000" }, "key: contains a NUL character"],
  ])("put with %s is INVALID_ARGUMENT", async (_name, request, message) => {
    const error = expectError(await alice.call("ItemService", "PutItem", { ...request, value: toStruct({}) }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toBe(message);
  });

  it("a malformed value filter and a semantic query are INVALID_ARGUMENT", async () => {
    const bad = expectError(await alice.call("ItemService", "SearchItems", { filter: toStruct({ kind: { $regex: "x" } }) }));
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(bad.details).toContain("unknown operator $regex");
    const query = expectError(await alice.call("ItemService", "SearchItems", { query: "what do I like?" }));
    expect(query.code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});
