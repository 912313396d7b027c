/**
 * The "make conversations private" tutorial, end to end: the three
 * services as separate processes, real sockets, a client built from the
 * .proto files alone.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, expectOk, fromStruct, grpc, storeClient, toStruct, type StoreClient } from "../support/proto-client.js";
import { expectSameAnswer } from "../support/same-answer.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

/** The tutorial's auth file in both forms: written against Gatehouse and against LangGraph.js. */
const forms = [
  { library: "@gatehouse/auth", owner: "gatehouse.json", scoped: "examples/private-chat/gatehouse.scoped.json" },
  {
    library: "@langchain/langgraph-sdk/auth",
    owner: "examples/private-chat/gatehouse.langgraph.json",
    scoped: "examples/private-chat/gatehouse.langgraph-scoped.json",
  },
];

describe.each(forms)("private conversations with $library: one owner handler", ({ owner: ownerConfig }) => {
  let gatehouse: TestGatehouse;
  let alice: StoreClient;
  let bob: StoreClient;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(fromRoot(ownerConfig));
    alice = storeClient(gatehouse.storeAddress, { authorization: "Bearer user1-token" });
    bob = storeClient(gatehouse.storeAddress, { authorization: "Bearer user2-token" });
  });

  afterAll(async () => {
    alice?.close();
    bob?.close();
    await gatehouse?.stop();
  });

  let aliceThreadId: string;

  it("alice creates an assistant, a thread and a run on it", async () => {
    const { assistant } = expectOk(await alice.call("AssistantService", "CreateAssistant", { graph_id: "agent" }));
    expect(assistant.graph_id).toBe("agent");
    expect(fromStruct(assistant.metadata)).toEqual({ owner: "user1" });

    const { thread } = expectOk(await alice.call("ThreadService", "CreateThread", { metadata: toStruct({ topic: "secrets" }) }));
    aliceThreadId = thread.thread_id;
    expect(fromStruct(thread.metadata)).toEqual({ topic: "secrets", owner: "user1" });

    const { run } = expectOk(
      await alice.call("RunService", "CreateRun", {
        thread_id: aliceThreadId,
        assistant_id: "agent",
        input: { structValue: toStruct({ messages: [{ role: "user", content: "Hi" }] }) },
      }),
    );
    expect(run.status).toBe("pending");
    expect(run.thread_id).toBe(aliceThreadId);
  });

  it("the run's config carries the identity the server set", async () => {
    const forged = toStruct({ configurable: { langgraph_auth_user_id: "user2", other: 1 } });
    const { run } = expectOk(
      await alice.call("RunService", "CreateRun", { thread_id: aliceThreadId, assistant_id: "agent", config: forged, multitask_strategy: "enqueue" }),
    );
    const configurable = (fromStruct(run.kwargs).config as { configurable: Record<string, unknown> }).configurable;
    expect(configurable.langgraph_auth_user_id).toBe("user1");
    expect(configurable.langgraph_auth_permissions).toEqual([]);
    expect(configurable.other).toBe(1);
    expect((configurable.langgraph_auth_user as { identity: string }).identity).toBe("user1");
  });

  it("bob cannot read alice's thread and gets the same answer as for a missing id", async () => {
    const hidden = expectError(await bob.call("ThreadService", "GetThread", { thread_id: aliceThreadId }));
    const missing = expectError(await bob.call("ThreadService", "GetThread", { thread_id: randomUUID() }));
    expect(hidden.code).toBe(grpc.status.NOT_FOUND);
    expect(hidden.details).toBe(missing.details);
    expectSameAnswer(hidden, missing);
    const details = (error: grpc.ServiceError) => error.metadata.get("grpc-status-details-bin")[0] as Buffer;
    expect(details(hidden).equals(details(missing))).toBe(true);
  });

  it("bob cannot run on alice's thread, and the answer does not reveal it exists", async () => {
    const hidden = expectError(await bob.call("RunService", "CreateRun", { thread_id: aliceThreadId, assistant_id: "agent" }));
    const missing = expectError(await bob.call("RunService", "CreateRun", { thread_id: randomUUID(), assistant_id: "agent" }));
    expect(hidden.code).toBe(grpc.status.NOT_FOUND);
    expect(hidden.details).toBe(missing.details);
  });

  it("bob creates his own thread and a run on it", async () => {
    const { thread } = expectOk(await bob.call("ThreadService", "CreateThread", {}));
    expect(fromStruct(thread.metadata)).toEqual({ owner: "user2" });
    const { run } = expectOk(await bob.call("RunService", "CreateRun", { thread_id: thread.thread_id, assistant_id: "agent" }));
    expect(run.status).toBe("pending");
  });

  it("each user's thread search returns exactly their own thread", async () => {
    const aliceThreads = expectOk(await alice.call("ThreadService", "SearchThreads", {})).threads;
    const bobThreads = expectOk(await bob.call("ThreadService", "SearchThreads", {})).threads;
    expect(aliceThreads.map((thread: { thread_id: string }) => thread.thread_id)).toEqual([aliceThreadId]);
    expect(bobThreads).toHaveLength(1);
    expect(fromStruct(bobThreads[0].metadata).owner).toBe("user2");
  });

  it("a client cannot claim another owner through metadata", async () => {
    const { thread } = expectOk(await bob.call("ThreadService", "CreateThread", { metadata: toStruct({ owner: "user1" }) }));
    expect(fromStruct(thread.metadata).owner).toBe("user2");
    const aliceThreads = expectOk(await alice.call("ThreadService", "SearchThreads", {})).threads;
    expect(aliceThreads).toHaveLength(1);
  });

  it("a request without a credential is UNAUTHENTICATED with a www-authenticate challenge", async () => {
    const anonymous = storeClient(gatehouse.storeAddress, {});
    const error = expectError(await anonymous.call("ThreadService", "SearchThreads", {}));
    anonymous.close();
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(error.details).toBe("Missing authorization header");
    expect(error.metadata.get("www-authenticate")).toEqual(["Bearer"]);
  });

  it.each([["Basic dXNlcjE6cHc="], ["Bearer"], ["Bearer user1-token extra"], ["user1-token"], ["Bearer user1-tokeN"]])(
    "a malformed or unknown authorization %j is UNAUTHENTICATED",
    async (authorization) => {
      const client = storeClient(gatehouse.storeAddress, { authorization });
      const error = expectError(await client.call("ThreadService", "GetThread", { thread_id: aliceThreadId }));
      client.close();
      expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
    },
  );

  it("alice stores an item in her own namespace and reads it back; the store needs no owner in the value", async () => {
    const { item } = expectOk(await alice.call("ItemService", "PutItem", { namespace: ["user1", "memories"], key: "k", value: toStruct({ a: 1 }) }));
    expect(fromStruct(item.value)).toEqual({ a: 1 });
    const read = expectOk(await alice.call("ItemService", "GetItem", { namespace: ["user1", "memories"], key: "k" }));
    expect(fromStruct(read.item.value)).toEqual({ a: 1 });
    const found = expectOk(await alice.call("ItemService", "SearchItems", { namespace_prefix: [] }));
    expect(found.items.map((each: { key: string }) => each.key)).toEqual(["k"]);
  });

  it("bob's put into alice's namespace answers the same whether the key exists or not, and squats nothing", async () => {
    const existing = await bob.call("ItemService", "PutItem", { namespace: ["user1", "memories"], key: "k", value: toStruct({ owner: "user2" }) });
    const missing = await bob.call("ItemService", "PutItem", { namespace: ["user1", "memories"], key: "new", value: toStruct({ owner: "user2" }) });
    const error = expectError(missing);
    expectSameAnswer(expectError(existing), error);
    expect(error.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(error.details).toContain("namespace");
    // Alice can still take the key bob tried.
    expectOk(await alice.call("ItemService", "PutItem", { namespace: ["user1", "memories"], key: "new", value: toStruct({ a: 2 }) }));
    const read = expectOk(await alice.call("ItemService", "GetItem", { namespace: ["user1", "memories"], key: "k" }));
    expect(fromStruct(read.item.value)).toEqual({ a: 1 });
  });

  it("a malformed id is INVALID_ARGUMENT naming the field", async () => {
    const error = expectError(await alice.call("ThreadService", "GetThread", { thread_id: "not-a-uuid" }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toBe("thread_id: must be a UUID");
  });
});

describe.each(forms)("private conversations with $library: scoped handlers", ({ scoped: scopedConfig }) => {
  let gatehouse: TestGatehouse;
  let alice: StoreClient;
  let bob: StoreClient;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(fromRoot(scopedConfig));
    alice = storeClient(gatehouse.storeAddress, { authorization: "Bearer user1-token" });
    bob = storeClient(gatehouse.storeAddress, { authorization: "Bearer user2-token" });
  });

  afterAll(async () => {
    alice?.close();
    bob?.close();
    await gatehouse?.stop();
  });

  it("alice cannot create or search assistants: PERMISSION_DENIED with the handler's message", async () => {
    const create = expectError(await alice.call("AssistantService", "CreateAssistant", { graph_id: "agent" }));
    expect(create.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(create.details).toBe("User lacks the required permissions.");
    const search = expectError(await alice.call("AssistantService", "SearchAssistants", {}));
    expect(search.code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it("alice can still create threads, and bob cannot read them", async () => {
    const { thread } = expectOk(await alice.call("ThreadService", "CreateThread", {}));
    expect(fromStruct(thread.metadata)).toEqual({ owner: "user1" });
    expect(expectOk(await alice.call("ThreadService", "GetThread", { thread_id: thread.thread_id })).thread.thread_id).toBe(
      thread.thread_id,
    );
    expect(expectError(await bob.call("ThreadService", "GetThread", { thread_id: thread.thread_id })).code).toBe(
      grpc.status.NOT_FOUND,
    );
  });

  it("a store put into another user's namespace is PERMISSION_DENIED", async () => {
    const error = expectError(
      await alice.call("ItemService", "PutItem", { namespace: ["user2", "memories"], key: "k", value: toStruct({ a: 1 }) }),
    );
    expect(error.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(
      expectError(await alice.call("ItemService", "GetItem", { namespace: ["user2", "memories"], key: "k" })).code,
    ).toBe(grpc.status.PERMISSION_DENIED);
  });

  it("a store put into one's own namespace is stored and read back", async () => {
    const { item } = expectOk(
      await alice.call("ItemService", "PutItem", { namespace: ["user1", "memories"], key: "k", value: toStruct({ a: 1 }) }),
    );
    expect(fromStruct(item.value)).toEqual({ a: 1 });
    const read = expectOk(await alice.call("ItemService", "GetItem", { namespace: ["user1", "memories"], key: "k" }));
    expect(fromStruct(read.item.value)).toEqual({ a: 1 });
  });
});
