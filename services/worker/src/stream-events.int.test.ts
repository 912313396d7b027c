import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent } from "@gatehouse/run-events";
import { eventually, insertRun, insertThread, type WorkerTestDatabase } from "./testing/worker-database.js";
import { startWorkerOnTestDatabase, type WorkerOnTestDatabase } from "./testing/worker-on-test-database.js";

const serverUrl = process.env.DATABASE_URL;
const hello = { messages: [{ role: "user", content: "Hello" }] };

describe.skipIf(!serverUrl)("the events a run publishes, as LangGraph servers stream them", () => {
  let database: WorkerTestDatabase;
  let worker: WorkerOnTestDatabase["worker"];
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ database, worker, stop } = await startWorkerOnTestDatabase(serverUrl!));
  });

  afterAll(async () => {
    await stop?.();
  });

  const streamOf = async (graph: string, kwargs: Record<string, unknown>): Promise<RunEvent[]> => {
    const runId = await insertRun(database.pool, await insertThread(database.pool), graph, kwargs);
    await eventually(async () => ((await worker.events.isFinished(runId)) ? true : undefined), 20_000, "the run's stream to finish");
    const events = worker.events.events(runId);
    expect(events[0]).toEqual({ id: "1", event: "metadata", data: { run_id: runId, attempt: 1 } });
    return events.slice(1);
  };
  const names = (events: RunEvent[]) => events.map((event) => event.event);

  it("streams values by default, messages as plain dicts with their type", async () => {
    const events = await streamOf("chat", { input: hello });
    expect(names(events)).toEqual(["values", "values"]);
    const last = events[1]!.data as { messages: Array<Record<string, unknown>> };
    expect(last.messages[0]).toMatchObject({ type: "human", content: "Hello" });
    expect(last.messages[1]).toMatchObject({ type: "ai", content: "Hi there friend" });
    expect(last.messages[1]).not.toHaveProperty("lc");
    expect(typeof last.messages[1]!.id).toBe("string");
  });

  it("streams updates keyed by node", async () => {
    const events = await streamOf("nested", { input: {}, stream_mode: "updates" });
    expect(events).toEqual([
      expect.objectContaining({ event: "updates", data: { outer_step: { steps: ["outer"] } } }),
      expect.objectContaining({ event: "updates", data: { child: { steps: ["outer", "inner"] } } }),
    ]);
  });

  it("streams messages-tuple as `messages` events of [message chunk, metadata]", async () => {
    const events = await streamOf("chat", { input: hello, stream_mode: ["messages-tuple"] });
    expect(events.length).toBeGreaterThan(1);
    expect(new Set(names(events))).toEqual(new Set(["messages"]));
    const [chunk, metadata] = events[0]!.data as [Record<string, unknown>, Record<string, unknown>];
    expect(chunk).toMatchObject({ type: expect.stringMatching(/^(ai|AIMessageChunk)$/) });
    expect(metadata).toMatchObject({ langgraph_node: "chatbot" });
    const text = events.map((event) => (event.data as [{ content: string }])[0].content).join("");
    expect(text).toBe("Hi there friend");
  });

  it("streams the legacy messages mode as metadata, growing partials and complete messages", async () => {
    const events = await streamOf("chat", { input: hello, stream_mode: "messages" });
    const kinds = names(events);
    expect(kinds[0]).toBe("messages/complete");
    expect(kinds).toContain("messages/metadata");
    expect(kinds.at(-1)).toBe("messages/complete");
    const partials = events.filter((event) => event.event === "messages/partial").map((event) => (event.data as [{ content: string }])[0].content);
    expect(partials.at(-1)).toBe("Hi there friend");
    expect(partials.every((text, i) => i === 0 || text.startsWith(partials[i - 1]!))).toBe(true);
    const metadata = events.find((event) => event.event === "messages/metadata")!.data as Record<string, { metadata: Record<string, unknown> }>;
    expect(Object.values(metadata)[0]!.metadata).toMatchObject({ langgraph_node: "chatbot" });
    expect((events.at(-1)!.data as Array<{ type: string; content: string }>)[0]).toMatchObject({ type: "ai", content: "Hi there friend" });
  });

  it("streams custom data a node writes", async () => {
    const events = await streamOf("whoami", { input: {}, stream_mode: ["custom"] });
    expect(events).toEqual([expect.objectContaining({ event: "custom", data: { progress: "looking up who is asking" } })]);
  });

  it("streams callback events with the events mode", async () => {
    const events = await streamOf("chat", { input: hello, stream_mode: ["events"] });
    expect(new Set(names(events))).toEqual(new Set(["events"]));
    const kinds = events.map((event) => (event.data as { event: string }).event);
    expect(kinds).toEqual(expect.arrayContaining(["on_chain_start", "on_chat_model_stream", "on_chain_end"]));
  });

  it("streams debug checkpoints with LangGraph's checkpoint refs and no internal config keys", async () => {
    const events = await streamOf("whoami", { input: {}, stream_mode: ["debug"] });
    const types = events.map((event) => (event.data as { type: string }).type);
    expect(types).toEqual(expect.arrayContaining(["checkpoint", "task", "task_result"]));
    const checkpoint = events.find((event) => (event.data as { type: string }).type === "checkpoint")!.data as { payload: Record<string, unknown> };
    expect(checkpoint.payload).toMatchObject({ checkpoint: { thread_id: expect.any(String), checkpoint_ns: "", checkpoint_id: expect.any(String) } });
    expect(checkpoint.payload).toHaveProperty("parent_config");
    expect(checkpoint.payload).not.toHaveProperty("parentConfig");
    const configurable = (checkpoint.payload.config as { configurable: Record<string, unknown> }).configurable;
    expect(Object.keys(configurable).some((key) => key.startsWith("__"))).toBe(false);
  });

  it("suffixes a subgraph's events with its namespace when the run streams subgraphs", async () => {
    const events = await streamOf("nested", { input: {}, stream_mode: ["updates"], stream_subgraphs: true });
    expect(names(events)).toEqual(["updates", expect.stringMatching(/^updates\|child:[0-9a-f-]+$/), "updates"]);
    expect(events[1]!.data).toEqual({ inner_step: { steps: ["inner"] } });
  });

  it("ends a failed run's stream with an error event", async () => {
    const events = await streamOf("failing", { input: {}, stream_mode: ["values", "updates"] });
    expect(events.at(-1)).toEqual(expect.objectContaining({ event: "error", data: { error: "RangeError", message: "the node exploded" } }));
  });
});
