/**
 * The "make conversations private" tutorial's client script,
 * written with the stock `@langchain/langgraph-sdk` Client against the
 * gateway: authn, authz, store and gateway as separate processes on real
 * sockets and a real Postgres. The script prints the tutorial's ✅ lines;
 * Bob's 404 and Alice's 403s arrive as the HTTP errors the SDK raises.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client, Run, Thread } from "@langchain/langgraph-sdk";
import { detailOf, httpErrorOf, sdkClient } from "../support/langgraph-shapes.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

const aliceMessage = { messages: [{ role: "user", content: "Hi, this is Alice's private chat" }] };
const bobMessage = { messages: [{ role: "user", content: "Hi, this is Bob's private chat" }] };

describe("the tutorial's client script on the LangGraph SDK: one owner handler (gatehouse.json)", () => {
  let gatehouse: TestGatehouse;
  let alice: Client;
  let bob: Client;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(fromRoot("gatehouse.json"), {}, undefined, { gateway: true });
    alice = sdkClient(gatehouse.gatewayUrl!, "user1-token");
    bob = sdkClient(gatehouse.gatewayUrl!, "user2-token");
  });

  afterAll(async () => {
    await gatehouse?.stop();
  });

  let aliceThread: Thread;

  it("alice creates an assistant, then a thread, and runs the agent graph on it", async () => {
    const assistant = await alice.assistants.create({ graphId: "agent" });
    console.log(`✅ Alice created assistant: ${assistant.assistant_id}`);
    expect(assistant.metadata).toEqual({ owner: "user1" });

    aliceThread = await alice.threads.create();
    console.log(`✅ Alice created thread: ${aliceThread.thread_id}`);
    expect(aliceThread.metadata).toEqual({ owner: "user1" });

    const run: Run = await alice.runs.create(aliceThread.thread_id, "agent", { input: aliceMessage });
    // A graph id names the graph's system assistant, whose id the run records, as on LangGraph servers.
    expect(run).toMatchObject({ thread_id: aliceThread.thread_id, assistant_id: "fe096781-5601-53d2-b2f6-0d3403f7e9ca", status: "pending" });
  });

  it("bob cannot read alice's thread: the SDK raises a 404, worded like a missing id's", async () => {
    const denied = await httpErrorOf(bob.threads.get(aliceThread.thread_id));
    console.log("✅ Bob correctly denied access:", denied.message);
    expect(denied.status).toBe(404);
    const missingId = randomUUID();
    const missing = await httpErrorOf(bob.threads.get(missingId));
    expect(detailOf(denied)).toBe(`Thread with ID ${aliceThread.thread_id} not found`);
    expect(detailOf(missing)).toBe(`Thread with ID ${missingId} not found`);
  });

  it("bob creates his own thread and runs on it", async () => {
    const bobThread = await bob.threads.create();
    const run = await bob.runs.create(bobThread.thread_id, "agent", { input: bobMessage });
    console.log(`✅ Bob created his own thread: ${bobThread.thread_id}`);
    expect(bobThread.metadata).toEqual({ owner: "user2" });
    expect(run.status).toBe("pending");
  });

  it("each user's thread search lists exactly their own thread", async () => {
    const aliceThreads = await alice.threads.search();
    const bobThreads = await bob.threads.search();
    console.log(`✅ Alice sees ${aliceThreads.length} thread`);
    console.log(`✅ Bob sees ${bobThreads.length} thread`);
    expect(aliceThreads.map((thread) => thread.thread_id)).toEqual([aliceThread.thread_id]);
    expect(bobThreads).toHaveLength(1);
    expect(bobThreads[0]!.metadata).toEqual({ owner: "user2" });
  });

  it("bob cannot run on alice's thread either: 404, as for a thread that does not exist", async () => {
    const denied = await httpErrorOf(bob.runs.create(aliceThread.thread_id, "agent", { input: bobMessage }));
    expect(denied.status).toBe(404);
    const missingId = randomUUID();
    expect(detailOf(denied)).toBe(`Thread with ID ${aliceThread.thread_id} not found`);
    expect(detailOf(await httpErrorOf(bob.runs.create(missingId, "agent")))).toBe(`Thread with ID ${missingId} not found`);
  });

  it("a run's config carries the identity the server set over whatever the client sent", async () => {
    const run = await alice.runs.create(aliceThread.thread_id, "agent", {
      config: { configurable: { langgraph_auth_user_id: "user2", other: 1 } },
      multitaskStrategy: "enqueue",
    });
    const recorded = await alice.runs.get(aliceThread.thread_id, run.run_id);
    const { configurable } = (recorded as Run & { kwargs: { config: { configurable: Record<string, unknown> } } }).kwargs.config;
    expect(configurable).toMatchObject({ langgraph_auth_user_id: "user1", other: 1 });
  });

  it("a client without a credential gets the SDK's 401 with the authenticate callback's message", async () => {
    const error = await httpErrorOf(sdkClient(gatehouse.gatewayUrl!).threads.search());
    expect(error.status).toBe(401);
    expect(detailOf(error)).toBe("Missing authorization header");
  });

  it("the 401 carries the authenticate callback's www-authenticate challenge as a header", async () => {
    const error = await httpErrorOf(sdkClient(gatehouse.gatewayUrl!, "not-a-token").threads.search());
    expect(error.status).toBe(401);
    expect(error.response?.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  });
});

describe("the tutorial's client script on the LangGraph SDK: scoped handlers (gatehouse.scoped.json)", () => {
  let gatehouse: TestGatehouse;
  let alice: Client;
  let bob: Client;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(fromRoot("examples/private-chat/gatehouse.scoped.json"), {}, undefined, { gateway: true, worker: true });
    alice = sdkClient(gatehouse.gatewayUrl!, "user1-token");
    bob = sdkClient(gatehouse.gatewayUrl!, "user2-token");
  });

  afterAll(async () => {
    await gatehouse?.stop();
  });

  it("the owner part of the script runs as before: private threads, bob's 404, one thread each", async () => {
    const aliceThread = await alice.threads.create();
    console.log(`✅ Alice created thread: ${aliceThread.thread_id}`);
    await alice.runs.create(aliceThread.thread_id, "agent", { input: aliceMessage });

    const denied = await httpErrorOf(bob.threads.get(aliceThread.thread_id));
    console.log("✅ Bob correctly denied access:", denied.message);
    expect(denied.status).toBe(404);

    const bobThread = await bob.threads.create();
    await bob.runs.create(bobThread.thread_id, "agent", { input: bobMessage });
    console.log(`✅ Bob created his own thread: ${bobThread.thread_id}`);

    const aliceThreads = await alice.threads.search();
    const bobThreads = await bob.threads.search();
    console.log(`✅ Alice sees ${aliceThreads.length} thread`);
    console.log(`✅ Bob sees ${bobThreads.length} thread`);
    expect(aliceThreads).toHaveLength(1);
    expect(bobThreads).toHaveLength(1);
  });

  it("alice cannot create or search assistants: the SDK raises 403 with the handler's message", async () => {
    const create = await httpErrorOf(alice.assistants.create({ graphId: "agent" }));
    console.log("✅ Alice correctly denied access:", create.message);
    expect(create.status).toBe(403);
    expect(detailOf(create)).toBe("User lacks the required permissions.");

    const search = await httpErrorOf(alice.assistants.search());
    console.log("✅ Alice correctly denied access to searching assistants:", search.message);
    expect(search.status).toBe(403);
  });

  it("alice, denied every assistants call, still runs the graph by its id: runs raise threads:create_run only", async () => {
    expect((await httpErrorOf(alice.assistants.get("agent"))).status).toBe(403);
    const values = (await alice.runs.wait(null, "agent", { input: aliceMessage })) as { messages: { content: string }[] };
    console.log(`✅ Alice's run answered: ${values.messages.at(-1)!.content}`);
    expect(values.messages.at(-1)!.content.startsWith(`Hello Alice! You said: "${aliceMessage.messages[0]!.content}".`)).toBe(true);
  });

  it("alice can still create threads", async () => {
    const aliceThread = await alice.threads.create();
    console.log(`✅ Alice created thread: ${aliceThread.thread_id}`);
    expect(aliceThread.metadata).toEqual({ owner: "user1" });
  });

  it("a store put into another user's namespace is a 403, and into one's own is stored", async () => {
    const denied = await httpErrorOf(alice.store.putItem(["user2", "memories"], "k", { a: 1 }));
    console.log("✅ Alice correctly denied writing to Bob's namespace:", denied.message);
    expect(denied.status).toBe(403);

    await alice.store.putItem(["user1", "memories"], "k", { a: 1 });
    const item = await alice.store.getItem(["user1", "memories"], "k");
    console.log(`✅ Alice stored and read back an item in her own namespace: ${JSON.stringify(item?.value)}`);
    expect(item?.value).toEqual({ a: 1 });
  });
});
