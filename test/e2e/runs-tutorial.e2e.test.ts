/**
 * The tutorial's runs executed end to end through the stock
 * `@langchain/langgraph-sdk` Client: gateway, store, worker, authn and authz
 * as separate processes on real Postgres, with run events on Redis Streams
 * (REDIS_URL) and on the Postgres run event log (no REDIS_URL). Bob's calls
 * on Alice's thread answer byte for byte like calls on a thread that does
 * not exist, streams included.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client, Run, Thread } from "@langchain/langgraph-sdk";
import { sdkClient } from "../support/langgraph-shapes.js";
import { httpAnswerOf } from "../support/http-answer.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

const said = "Hi, this is Alice's private chat";
const input = { messages: [{ role: "user", content: said }] };
const reply = `Hello Alice! You said: "${said}".`;

/** A run as Gatehouse and LangGraph servers return it: with the kwargs the SDK's type leaves out. */
type RunWithKwargs = Run & { kwargs: { config: { configurable: Record<string, unknown> } } };

type Messages = { messages: { type?: string; content: unknown }[] };

function lastMessage(values: unknown): string {
  const messages = (values as Messages).messages;
  return String(messages.at(-1)?.content);
}

const eventLogs = [
  { log: "Redis Streams", env: {} as Record<string, string> },
  { log: "the Postgres run event log", env: { REDIS_URL: "" } },
];

describe.each(eventLogs)("the tutorial's runs with run events on $log", ({ env }) => {
  let gatehouse: TestGatehouse;
  let alice: Client;
  let bob: Client;
  let aliceThread: Thread;

  beforeAll(async () => {
    if (env.REDIS_URL === undefined) expect(process.env.REDIS_URL, "REDIS_URL must be set for the Redis case").toBeTruthy();
    gatehouse = await startTestGatehouse(fromRoot("gatehouse.json"), env, undefined, { gateway: true, worker: true });
    alice = sdkClient(gatehouse.gatewayUrl!, "user1-token");
    bob = sdkClient(gatehouse.gatewayUrl!, "user2-token");
    aliceThread = await alice.threads.create();
  });

  afterAll(async () => {
    await gatehouse?.stop();
  });

  it("alice's runs.wait returns the bot's reply, greeting her by display name", async () => {
    const values = await alice.runs.wait(aliceThread.thread_id, "agent", { input });
    expect(lastMessage(values).startsWith(reply)).toBe(true);
  });

  it("the run records the caller's id in config.configurable.langgraph_auth_user_id, and the graph's system assistant id", async () => {
    const [run] = await alice.runs.list(aliceThread.thread_id, { limit: 1 });
    const configurable = (run as RunWithKwargs).kwargs.config.configurable;
    expect(configurable.langgraph_auth_user_id).toBe("user1");
    expect(run!.assistant_id).toBe("fe096781-5601-53d2-b2f6-0d3403f7e9ca");
    expect(run!.status).toBe("success");
  });

  it("alice's runs.stream yields messages (messages-tuple) and values, ending with her reply", async () => {
    const seen: { event: string; data: unknown }[] = [];
    for await (const chunk of alice.runs.stream(aliceThread.thread_id, "agent", { input, streamMode: ["messages-tuple", "values"] })) {
      seen.push({ event: chunk.event, data: chunk.data });
    }
    const names = seen.map(({ event }) => event);
    expect(names[0]).toBe("metadata");
    expect(names).toContain("messages");
    const values = seen.filter(({ event }) => event === "values");
    expect(values.length).toBeGreaterThan(0);
    expect(lastMessage(values.at(-1)!.data).startsWith(reply)).toBe(true);
    // Token by token: the reply arrives in several message chunks.
    expect(names.filter((name) => name === "messages").length).toBeGreaterThan(3);
  });

  it("a thread-less runs.wait answers too, and leaves no thread behind", async () => {
    const values = await alice.runs.wait(null, "agent", { input });
    expect(lastMessage(values).startsWith(reply)).toBe(true);
  });

  it("a join after the run finished still returns its output", async () => {
    const run = await alice.runs.create(aliceThread.thread_id, "agent", { input });
    const first = await alice.runs.join(aliceThread.thread_id, run.run_id);
    const again = await alice.runs.join(aliceThread.thread_id, run.run_id);
    expect(lastMessage(first).startsWith(reply)).toBe(true);
    expect(again).toEqual(first);
  });

  it("alice's runs.joinStream replays a finished run's events", async () => {
    const run = await alice.runs.create(aliceThread.thread_id, "agent", { input });
    await alice.runs.join(aliceThread.thread_id, run.run_id);
    const names: string[] = [];
    for await (const chunk of alice.runs.joinStream(aliceThread.thread_id, run.run_id)) names.push(chunk.event);
    expect(names[0]).toBe("metadata");
    expect(names).toContain("values");
  });

  it("bob's wait, join, joinStream and stream on alice's thread answer exactly as on a thread that does not exist", async () => {
    const run = await alice.runs.create(aliceThread.thread_id, "agent", { input });
    await alice.runs.join(aliceThread.thread_id, run.run_id);
    const missingThread = randomUUID();
    const body = JSON.stringify({ assistant_id: "agent", input });
    const asBob = (path: string, init: RequestInit = {}) =>
      fetch(`${gatehouse.gatewayUrl}${path}`, {
        ...init,
        headers: { authorization: "Bearer user2-token", "content-type": "application/json", ...(init.headers as Record<string, string>) },
      });
    const pairs: [string, RequestInit][] = [
      ["/threads/{t}/runs/wait", { method: "POST", body }],
      ["/threads/{t}/runs/stream", { method: "POST", body }],
      ["/threads/{t}/runs/{r}/join", {}],
      ["/threads/{t}/runs/{r}/stream", {}],
      ["/threads/{t}/runs/{r}/stream", { headers: { "last-event-id": "1" } }],
    ];
    for (const [path, init] of pairs) {
      // Byte for byte but for the thread id each names (LangGraph's "Thread with ID … not found"), of equal length.
      const hidden = await httpAnswerOf(await asBob(path.replace("{t}", aliceThread.thread_id).replace("{r}", run.run_id), init), aliceThread.thread_id);
      const missing = await httpAnswerOf(await asBob(path.replace("{t}", missingThread).replace("{r}", run.run_id), init), missingThread);
      expect(hidden.status, path).toBe(404);
      expect(hidden, path).toEqual(missing);
      expect(hidden.headers.some(([name, value]) => name === "content-type" && value.includes("event-stream")), path).toBe(false);
    }
    // Nothing was queued on alice's thread by bob's attempts.
    const runs = await alice.runs.list(aliceThread.thread_id, { limit: 100 });
    expect(runs.every((each) => (each as RunWithKwargs).kwargs.config.configurable.langgraph_auth_user_id === "user1")).toBe(true);
  });

  it("bob's SDK calls on alice's thread raise the same 404 as on a missing thread", async () => {
    const statusOf = async (call: () => Promise<unknown>) => {
      try {
        await call();
        return 200;
      } catch (error) {
        return (error as { status?: number }).status;
      }
    };
    const drain = async (stream: AsyncIterable<unknown>) => {
      for await (const chunk of stream) void chunk;
    };
    expect(await statusOf(() => bob.runs.wait(aliceThread.thread_id, "agent", { input }))).toBe(404);
    expect(await statusOf(() => drain(bob.runs.stream(aliceThread.thread_id, "agent", { input })))).toBe(404);
  });
});
