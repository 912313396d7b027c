/**
 * A thread's state end to end: authn, authz, store, a worker and the gateway
 * as separate processes on a real Postgres, driven by the stock
 * `@langchain/langgraph-sdk` Client. After Alice's run, her thread's state,
 * history, updates, copies and prunes go store → worker and back; Bob, who
 * may not see the thread, gets exactly the answer a random id gets, and
 * nothing changes.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCertificates, writeCertificates } from "@gatehouse/server";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client, Thread } from "@langchain/langgraph-sdk";
import { httpErrorOf, sdkClient } from "../support/langgraph-shapes.js";
import { httpAnswerOf } from "../support/http-answer.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

type Message = { type: string; content: unknown };
type Values = { messages: Message[] };

/** Polls the run until it is no longer pending or running; returns its status. */
async function finished(client: Client, threadId: string, runId: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const run = await client.runs.get(threadId, runId);
    if (run.status !== "pending" && run.status !== "running") return run.status;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Bob's answer at `url`, as bytes but for the thread id it names. */
async function rawAnswer(url: string, threadId: string, init: RequestInit = {}) {
  const response = await fetch(url, { ...init, headers: { authorization: "Bearer user2-token", "content-type": "application/json" } });
  return httpAnswerOf(response, threadId);
}

describe.skipIf(!process.env.DATABASE_URL)("thread state through the store and the worker, on the LangGraph SDK", () => {
  let gatehouse: TestGatehouse;
  let alice: Client;
  let bob: Client;
  let thread: Thread;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(fromRoot("gatehouse.json"), {}, undefined, { gateway: true, worker: true });
    alice = sdkClient(gatehouse.gatewayUrl!, "user1-token", { maxRetries: 0 });
    bob = sdkClient(gatehouse.gatewayUrl!, "user2-token", { maxRetries: 0 });
  }, 60_000);

  afterAll(async () => {
    await gatehouse?.stop();
  });

  it("a thread no run has touched has LangGraph's empty state and history, and refuses a state update", async () => {
    const fresh = await alice.threads.create();
    expect(await alice.threads.getState(fresh.thread_id)).toEqual({
      values: {},
      next: [],
      tasks: [],
      checkpoint: null,
      metadata: null,
      created_at: null,
      parent_checkpoint: null,
      interrupts: [],
    });
    expect(await alice.threads.getHistory(fresh.thread_id)).toEqual([]);
    const refused = await httpErrorOf(alice.threads.updateState(fresh.thread_id, { values: { messages: [] } }));
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text)).toEqual({ detail: `Thread ${fresh.thread_id} has no graph ID` });
  });

  it("after Alice's run, the state shows the conversation: her message and the bot's answer", async () => {
    thread = await alice.threads.create();
    const run = await alice.runs.create(thread.thread_id, "agent", { input: { messages: [{ role: "user", content: "Hi there" }] } });
    expect(await finished(alice, thread.thread_id, run.run_id)).toBe("success");
    const state = await alice.threads.getState<Values>(thread.thread_id);
    expect(state.values.messages.map((message) => message.type)).toEqual(["human", "ai"]);
    expect(state.values.messages[0]!.content).toBe("Hi there");
    expect(String(state.values.messages[1]!.content)).toContain('You said: "Hi there"');
    expect(state.next).toEqual([]);
    expect(state.checkpoint).toMatchObject({ thread_id: thread.thread_id, checkpoint_ns: "", checkpoint_id: expect.any(String) });
  });

  it("the history pages newest first, and before continues where a page ended", async () => {
    const all = await alice.threads.getHistory<Values>(thread.thread_id, { limit: 100 });
    expect(all.length).toBeGreaterThanOrEqual(3);
    const steps = all.map((state) => (state.metadata as { step: number }).step);
    expect(steps).toEqual([...steps].sort((a, b) => b - a));
    const first = await alice.threads.getHistory(thread.thread_id, { limit: 2 });
    expect(first.map((state) => state.checkpoint.checkpoint_id)).toEqual(all.slice(0, 2).map((state) => state.checkpoint.checkpoint_id));
    const next = await alice.threads.getHistory(thread.thread_id, { limit: 2, before: { configurable: { checkpoint_id: first[1]!.checkpoint.checkpoint_id } } });
    expect(next.map((state) => state.checkpoint.checkpoint_id)).toEqual(all.slice(2, 4).map((state) => state.checkpoint.checkpoint_id));
    // The oldest checkpoint is the one before the input: no message yet.
    const older = await alice.threads.getState<Values>(thread.thread_id, all.at(-1)!.checkpoint.checkpoint_id!);
    expect(older.checkpoint.checkpoint_id).toBe(all.at(-1)!.checkpoint.checkpoint_id);
    expect(older.values.messages ?? []).toEqual([]);
  });

  it("an update as the chatbot node writes a new checkpoint whose values show", async () => {
    const before = await alice.threads.getState<Values>(thread.thread_id);
    const written = (await alice.threads.updateState(thread.thread_id, {
      values: { messages: [{ role: "assistant", content: "An edited answer" }] },
      asNode: "chatbot",
    })) as unknown as { checkpoint: { checkpoint_id: string } };
    expect(written.checkpoint.checkpoint_id).not.toBe(before.checkpoint.checkpoint_id);
    const after = await alice.threads.getState<Values>(thread.thread_id);
    expect(after.checkpoint.checkpoint_id).toBe(written.checkpoint.checkpoint_id);
    expect(after.values.messages.map((message) => message.content)).toEqual([...before.values.messages.map((message) => message.content), "An edited answer"]);
    expect(after.next).toEqual([]);
  });

  it("a copy carries the messages, and pruning keeps the latest checkpoint or deletes the thread", async () => {
    const copy = await alice.threads.copy(thread.thread_id);
    expect(copy.thread_id).not.toBe(thread.thread_id);
    expect(copy.metadata).toMatchObject({ owner: "user1", graph_id: "agent" });
    const original = await alice.threads.getState<Values>(thread.thread_id);
    const copied = await alice.threads.getState<Values>(copy.thread_id);
    expect(copied.values).toEqual(original.values);
    expect(copied.checkpoint).toMatchObject({ thread_id: copy.thread_id, checkpoint_id: original.checkpoint.checkpoint_id });

    expect(await alice.threads.prune([copy.thread_id], { strategy: "keep_latest" })).toEqual({ pruned_count: 1 });
    expect(await alice.threads.getHistory(copy.thread_id, { limit: 100 })).toHaveLength(1);
    expect((await alice.threads.getState<Values>(copy.thread_id)).values).toEqual(original.values);
    // The source keeps its whole history.
    expect((await alice.threads.getHistory(thread.thread_id, { limit: 100 })).length).toBeGreaterThan(1);

    expect(await alice.threads.prune([copy.thread_id, randomUUID()])).toEqual({ pruned_count: 1 });
    expect((await httpErrorOf(alice.threads.get(copy.thread_id))).status).toBe(404);
  });

  it("the agent graph's structure, schemas and subgraphs come from the worker", async () => {
    const assistant = await alice.assistants.create({ graphId: "agent" });
    const graph = await alice.assistants.getGraph(assistant.assistant_id);
    expect(graph.nodes.map((node) => node.id)).toEqual(expect.arrayContaining(["__start__", "chatbot", "__end__"]));
    expect(graph.edges).toEqual(expect.arrayContaining([expect.objectContaining({ source: "__start__", target: "chatbot" })]));
    const schemas = await alice.assistants.getSchemas(assistant.assistant_id);
    expect(schemas).toMatchObject({ graph_id: "agent", state_schema: { type: "object", properties: { messages: expect.any(Object) } } });
    expect(await alice.assistants.getSubgraphs(assistant.assistant_id)).toEqual({});
    // Bob may not see Alice's assistant: its graph is the missing one's 404.
    expect((await httpErrorOf(bob.assistants.getGraph(assistant.assistant_id))).status).toBe(404);
  });

  it("Bob's state, history and update on Alice's thread answer exactly like a random id's, and change nothing", async () => {
    const url = gatehouse.gatewayUrl!;
    const before = await alice.threads.getHistory(thread.thread_id, { limit: 100 });
    const calls: Array<[string, RequestInit]> = [
      ["/state", {}],
      ["/history", { method: "POST", body: JSON.stringify({ limit: 5 }) }],
      ["/history", {}],
      ["/state", { method: "POST", body: JSON.stringify({ values: { messages: [{ role: "user", content: "Bob was here" }] }, as_node: "chatbot" }) }],
    ];
    for (const [path, init] of calls) {
      const missingId = randomUUID();
      const hidden = await rawAnswer(`${url}/threads/${thread.thread_id}${path}`, thread.thread_id, init);
      const missing = await rawAnswer(`${url}/threads/${missingId}${path}`, missingId, init);
      expect(hidden.status, `${init.method ?? "GET"} ${path}`).toBe(404);
      expect(hidden).toEqual(missing);
    }
    expect((await httpErrorOf(bob.threads.getState(thread.thread_id))).status).toBe(404);
    const after = await alice.threads.getHistory(thread.thread_id, { limit: 100 });
    expect(after.map((state) => state.checkpoint.checkpoint_id)).toEqual(before.map((state) => state.checkpoint.checkpoint_id));
  });

  it("the store's thread rows follow an update: the thread's values are the state's", async () => {
    const db = new pg.Client({ connectionString: gatehouse.database.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ values: Values }>('SELECT "values" FROM threads WHERE thread_id = $1', [thread.thread_id]);
      const state = await alice.threads.getState<Values>(thread.thread_id);
      expect(rows[0]!.values).toEqual(state.values);
    } finally {
      await db.end();
    }
  });
});

describe.skipIf(!process.env.DATABASE_URL)("thread state with the scoped example: assistants are denied", () => {
  let gatehouse: TestGatehouse;
  let alice: Client;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(fromRoot("examples/private-chat/gatehouse.scoped.json"), {}, undefined, { gateway: true, worker: true });
    alice = sdkClient(gatehouse.gatewayUrl!, "user1-token", { maxRetries: 0 });
  }, 60_000);

  afterAll(async () => {
    await gatehouse?.stop();
  });

  it("the graph and the schemas of an assistant answer 403, before anything is read", async () => {
    const assistantId = randomUUID();
    const graph = await httpErrorOf(alice.assistants.getGraph(assistantId));
    const schemas = await httpErrorOf(alice.assistants.getSchemas(assistantId));
    expect([graph.status, schemas.status]).toEqual([403, 403]);
    expect(JSON.parse(graph.text)).toEqual({ detail: "User lacks the required permissions." });
  });
});

describe.skipIf(!process.env.DATABASE_URL)("thread state with mutual TLS between the services", () => {
  let gatehouse: TestGatehouse;
  let certsDir: string;
  let alice: Client;

  beforeAll(async () => {
    certsDir = await mkdtemp(join(tmpdir(), "gatehouse-certs-"));
    await writeCertificates(certsDir, await generateCertificates());
    gatehouse = await startTestGatehouse(fromRoot("gatehouse.json"), {}, undefined, { gateway: true, worker: true, certsDir });
    alice = sdkClient(gatehouse.gatewayUrl!, "user1-token", { maxRetries: 0 });
  }, 60_000);

  afterAll(async () => {
    await gatehouse?.stop();
    if (certsDir) await rm(certsDir, { recursive: true, force: true });
  });

  it("the store reaches the worker with its own certificate, and the state comes back", async () => {
    const thread = await alice.threads.create();
    const run = await alice.runs.create(thread.thread_id, "agent", { input: { messages: [{ role: "user", content: "Over TLS" }] } });
    expect(await finished(alice, thread.thread_id, run.run_id)).toBe("success");
    const state = await alice.threads.getState<Values>(thread.thread_id);
    expect(state.values.messages.map((message) => message.content)).toContain("Over TLS");
  });
});
