/**
 * Broken object-level authorization, attempted everywhere: Bob knows the ids
 * of Alice's thread, run, assistant, cron and item, and tries every read,
 * write, delete, search, count, copy, run and item operation on them. Each
 * answers exactly like a missing id, and nothing of Alice's changes.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, expectOk, fromStruct, grpc, storeClient, toStruct, toValue, type StoreClient } from "../support/proto-client.js";
import { expectSameAnswer } from "../support/same-answer.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

let gatehouse: TestGatehouse;
let alice: StoreClient;
let bob: StoreClient;
const tag = randomUUID();
const ids = { thread: "", run: "", assistant: "", cron: "" };
const item = { namespace: ["shared", "notes"], key: "plan" };

beforeAll(async () => {
  gatehouse = await startTestGatehouse(fromRoot("test/fixtures/store-owner.gatehouse.json"));
  alice = storeClient(gatehouse.storeAddress, { authorization: "Bearer user1-token" });
  bob = storeClient(gatehouse.storeAddress, { authorization: "Bearer user2-token" });
  ids.thread = expectOk(await alice.call("ThreadService", "CreateThread", { metadata: toStruct({ tag }) })).thread.thread_id;
  ids.run = expectOk(await alice.call("RunService", "CreateRun", { thread_id: ids.thread, assistant_id: "agent" })).run.run_id;
  ids.assistant = expectOk(await alice.call("AssistantService", "CreateAssistant", { graph_id: "agent", name: "mine", metadata: toStruct({ tag }) })).assistant.assistant_id;
  expectOk(await alice.call("AssistantService", "UpdateAssistant", { assistant_id: ids.assistant, name: "mine v2" }));
  ids.cron = expectOk(await alice.call("CronService", "CreateCron", { thread_id: ids.thread, assistant_id: "agent", schedule: "0 * * * *" })).cron.cron_id;
  expectOk(await alice.call("ItemService", "PutItem", { ...item, value: toStruct({ secret: "launch codes" }) }));
});

afterAll(async () => {
  alice?.close();
  bob?.close();
  await gatehouse?.stop();
});

/** Bob's call on Alice's resource, and the same call on ids that do not exist, answer identically. */
async function expectMissingAnswer(service: string, method: string, onAlices: object, onMissing: object): Promise<void> {
  const hidden = expectError(await bob.call(service, method, onAlices));
  const missing = expectError(await bob.call(service, method, onMissing));
  expect(hidden.code).toBe(grpc.status.NOT_FOUND);
  expectSameAnswer(hidden, missing);
}

/** Alice's resources exactly as she left them. */
async function expectAlicesUnchanged(): Promise<void> {
  const { thread } = expectOk(await alice.call("ThreadService", "GetThread", { thread_id: ids.thread }));
  expect(fromStruct(thread.metadata)).toEqual({ tag, owner: "user1" });
  const runs = expectOk(await alice.call("RunService", "ListRuns", { thread_id: ids.thread })).runs;
  expect(runs.map((run: { run_id: string; status: string }) => [run.run_id, run.status])).toEqual([[ids.run, "pending"]]);
  const { assistant } = expectOk(await alice.call("AssistantService", "GetAssistant", { assistant_id: ids.assistant }));
  expect(assistant).toMatchObject({ name: "mine v2", version: 2 });
  expect(fromStruct(assistant.metadata)).toEqual({ tag, owner: "user1" });
  const { cron } = expectOk(await alice.call("CronService", "GetCron", { cron_id: ids.cron }));
  expect(cron.schedule).toBe("0 * * * *");
  const stored = expectOk(await alice.call("ItemService", "GetItem", item)).item;
  expect(fromStruct(stored.value)).toEqual({ secret: "launch codes", owner: "user1" });
}

describe("bob against alice's resources", () => {
  const missing = () => randomUUID();

  it("threads: get, update, delete and copy answer like a missing id", async () => {
    await expectMissingAnswer("ThreadService", "GetThread", { thread_id: ids.thread }, { thread_id: missing() });
    await expectMissingAnswer("ThreadService", "UpdateThread", { thread_id: ids.thread, metadata: toStruct({ tag: "pwned" }) }, { thread_id: missing(), metadata: toStruct({ tag: "pwned" }) });
    await expectMissingAnswer("ThreadService", "DeleteThread", { thread_id: ids.thread }, { thread_id: missing() });
    await expectMissingAnswer("ThreadService", "CopyThread", { thread_id: ids.thread }, { thread_id: missing() });
    await expectAlicesUnchanged();
  });

  it("threads: state, history and a state update answer like a missing id; pruning alice's thread prunes nothing", async () => {
    await expectMissingAnswer("ThreadService", "GetThreadState", { thread_id: ids.thread }, { thread_id: missing() });
    await expectMissingAnswer("ThreadService", "GetThreadHistory", { thread_id: ids.thread }, { thread_id: missing() });
    const update = { values: { structValue: toStruct({ messages: [] }) }, as_node: "chatbot" };
    await expectMissingAnswer("ThreadService", "UpdateThreadState", { thread_id: ids.thread, ...update }, { thread_id: missing(), ...update });
    expect(expectOk(await bob.call("ThreadService", "PruneThreads", { thread_ids: [ids.thread] })).pruned).toBe(0);
    expect(expectOk(await bob.call("ThreadService", "PruneThreads", { thread_ids: [ids.thread], strategy: "keep_latest" })).pruned).toBe(0);
    await expectAlicesUnchanged();
  });

  it("threads: search and count by id or metadata find nothing", async () => {
    expect(expectOk(await bob.call("ThreadService", "SearchThreads", { ids: [ids.thread] })).threads).toEqual([]);
    expect(expectOk(await bob.call("ThreadService", "SearchThreads", { metadata: toStruct({ tag }) })).threads).toEqual([]);
    expect(expectOk(await bob.call("ThreadService", "CountThreads", { metadata: toStruct({ tag }) })).count).toBe("0");
  });

  it("runs: create, get, list, cancel and delete answer like a missing id", async () => {
    await expectMissingAnswer("RunService", "CreateRun", { thread_id: ids.thread, assistant_id: "agent" }, { thread_id: missing(), assistant_id: "agent" });
    await expectMissingAnswer("RunService", "GetRun", { thread_id: ids.thread, run_id: ids.run }, { thread_id: missing(), run_id: missing() });
    await expectMissingAnswer("RunService", "ListRuns", { thread_id: ids.thread }, { thread_id: missing() });
    await expectMissingAnswer("RunService", "CancelRun", { thread_id: ids.thread, run_id: ids.run }, { thread_id: missing(), run_id: missing() });
    await expectMissingAnswer("RunService", "DeleteRun", { thread_id: ids.thread, run_id: ids.run }, { thread_id: missing(), run_id: missing() });
    await expectAlicesUnchanged();
  });

  it("runs: wait, join and cancel-many answer as for missing ids, and change nothing", async () => {
    const run = { assistant_id: "agent", input: toValue({ messages: [] }) };
    await expectMissingAnswer("RunService", "WaitRun", { run: { thread_id: ids.thread, ...run } }, { run: { thread_id: missing(), ...run } });
    await expectMissingAnswer("RunService", "JoinRun", { thread_id: ids.thread, run_id: ids.run }, { thread_id: missing(), run_id: missing() });
    // Cancelling many counts what it cancelled: none of Alice's, exactly as for ids that do not exist.
    const hidden = expectOk(await bob.call("RunService", "CancelRuns", { thread_id: ids.thread, run_ids: [ids.run] }));
    expect(hidden).toEqual(expectOk(await bob.call("RunService", "CancelRuns", { thread_id: missing(), run_ids: [missing()] })));
    expect(hidden.cancelled).toBe(0);
    await expectAlicesUnchanged();
  });

  it("runs: a stream or a stream-join of Alice's run sends not one message, and ends exactly like one of a missing id", async () => {
    const run = { assistant_id: "agent", input: toValue({ messages: [] }) };
    const streams = [
      ["StreamRun", { run: { thread_id: ids.thread, ...run } }, { run: { thread_id: missing(), ...run } }],
      ["JoinRunStream", { thread_id: ids.thread, run_id: ids.run }, { thread_id: missing(), run_id: missing() }],
      ["JoinRunStream", { thread_id: ids.thread, run_id: ids.run, cancel_on_disconnect: true }, { thread_id: missing(), run_id: missing(), cancel_on_disconnect: true }],
    ] as const;
    for (const [method, onAlices, onMissing] of streams) {
      const hidden = await bob.stream("RunService", method, onAlices);
      const absent = await bob.stream("RunService", method, onMissing);
      expect(hidden.messages).toEqual([]);
      expect(absent.messages).toEqual([]);
      expect(hidden.error?.code).toBe(grpc.status.NOT_FOUND);
      expectSameAnswer(hidden.error!, absent.error!);
    }
    await expectAlicesUnchanged();
  });

  it("assistants: get, get a version, list versions, update, set latest and delete answer like a missing id", async () => {
    await expectMissingAnswer("AssistantService", "GetAssistant", { assistant_id: ids.assistant }, { assistant_id: missing() });
    await expectMissingAnswer("AssistantService", "GetAssistant", { assistant_id: ids.assistant, version: 1 }, { assistant_id: missing(), version: 1 });
    await expectMissingAnswer("AssistantService", "ListAssistantVersions", { assistant_id: ids.assistant }, { assistant_id: missing() });
    await expectMissingAnswer("AssistantService", "UpdateAssistant", { assistant_id: ids.assistant, name: "pwned" }, { assistant_id: missing(), name: "pwned" });
    await expectMissingAnswer("AssistantService", "SetLatestAssistantVersion", { assistant_id: ids.assistant, version: 1 }, { assistant_id: missing(), version: 1 });
    await expectMissingAnswer("AssistantService", "DeleteAssistant", { assistant_id: ids.assistant }, { assistant_id: missing() });
    await expectMissingAnswer("AssistantService", "DeleteAssistant", { assistant_id: ids.assistant, delete_threads: true }, { assistant_id: missing(), delete_threads: true });
    await expectMissingAnswer("AssistantService", "GetAssistantGraph", { assistant_id: ids.assistant }, { assistant_id: missing() });
    await expectMissingAnswer("AssistantService", "GetAssistantSchemas", { assistant_id: ids.assistant }, { assistant_id: missing() });
    await expectMissingAnswer("AssistantService", "GetAssistantSubgraphs", { assistant_id: ids.assistant }, { assistant_id: missing() });
    expect(expectOk(await bob.call("AssistantService", "CountAssistants", { metadata: toStruct({ tag }) })).count).toBe("0");
    await expectAlicesUnchanged();
  });

  it("crons: get, update, delete, and a cron on alice's thread answer like a missing id", async () => {
    await expectMissingAnswer("CronService", "GetCron", { cron_id: ids.cron }, { cron_id: missing() });
    await expectMissingAnswer("CronService", "UpdateCron", { cron_id: ids.cron, schedule: "* * * * *" }, { cron_id: missing(), schedule: "* * * * *" });
    await expectMissingAnswer("CronService", "DeleteCron", { cron_id: ids.cron }, { cron_id: missing() });
    await expectMissingAnswer(
      "CronService",
      "CreateCron",
      { thread_id: ids.thread, assistant_id: "agent", schedule: "* * * * *" },
      { thread_id: missing(), assistant_id: "agent", schedule: "* * * * *" },
    );
    expect(expectOk(await bob.call("CronService", "SearchCrons", { thread_id: ids.thread })).crons).toEqual([]);
    await expectAlicesUnchanged();
  });

  it("items: get and delete answer like a missing key; search and namespaces show nothing", async () => {
    await expectMissingAnswer("ItemService", "GetItem", item, { ...item, key: "no-such-key" });
    await expectMissingAnswer("ItemService", "DeleteItem", item, { ...item, key: "no-such-key" });
    expect(expectOk(await bob.call("ItemService", "SearchItems", { namespace_prefix: ["shared"] })).items).toEqual([]);
    expect(expectOk(await bob.call("ItemService", "ListNamespaces", { prefix: ["shared"] })).namespaces).toEqual([]);
    await expectAlicesUnchanged();
  });

  it("items: overwriting alice's key is PERMISSION_DENIED, like any write the filter refuses, and changes nothing", async () => {
    const error = expectError(await bob.call("ItemService", "PutItem", { ...item, value: toStruct({ secret: "overwritten" }) }));
    expect(error.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(error.details).toBe("Forbidden");
    await expectAlicesUnchanged();
  });

  it("creating a thread with alice's id is ALREADY_EXISTS and reveals none of it", async () => {
    const error = expectError(await bob.call("ThreadService", "CreateThread", { thread_id: ids.thread, if_exists: "do_nothing" }));
    expect(error.code).toBe(grpc.status.ALREADY_EXISTS);
    expect(error.details).toBe("thread already exists");
    await expectAlicesUnchanged();
  });
});
