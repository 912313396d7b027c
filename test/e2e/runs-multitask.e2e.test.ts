/**
 * Runs on a busy thread and their cancellation, through the stock
 * `@langchain/langgraph-sdk` Client against a real Gatehouse with a worker
 * (Postgres, and Redis Streams for run events when REDIS_URL is set): each
 * multitask strategy, cancel with interrupt and rollback, cancelMany,
 * createBatch, interrupt and resume, afterSeconds and ifNotExists.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client, Run } from "@langchain/langgraph-sdk";
import { createSseParser } from "@gatehouse/run-events";
import { readStreamUntil } from "../support/read-stream-until.js";
import { detailOf, httpErrorOf, sdkClient } from "../support/langgraph-shapes.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

type SlowValues = { done: string[] };

describe("runs on a busy thread, cancelled, batched, resumed and delayed", () => {
  let gatehouse: TestGatehouse;
  let alice: Client;
  let bob: Client;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(fromRoot("test/fixtures/runs.gatehouse.json"), {}, undefined, { gateway: true, worker: true });
    alice = sdkClient(gatehouse.gatewayUrl!, "user1-token");
    bob = sdkClient(gatehouse.gatewayUrl!, "user2-token");
  });

  afterAll(async () => {
    await gatehouse?.stop();
  });

  async function untilStatus(threadId: string, runId: string, status: string): Promise<Run> {
    for (let tries = 0; tries < 200; tries += 1) {
      const run = await alice.runs.get(threadId, runId);
      if (run.status === status) return run;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`run ${runId} never reached ${status}`);
  }

  /** A thread with a slow run holding it, already running. */
  async function busyThread(delayMs = 10_000) {
    const thread = await alice.threads.create();
    const first = await alice.runs.create(thread.thread_id, "slow", { input: { label: "first", delay_ms: delayMs } });
    await untilStatus(thread.thread_id, first.run_id, "running");
    return { threadId: thread.thread_id, first };
  }

  async function doneOn(threadId: string): Promise<string[]> {
    return ((await alice.threads.get<SlowValues>(threadId)).values as SlowValues).done ?? [];
  }

  it("reject: a second run on a busy thread is a 409 with LangGraph's wording, and nothing is queued", async () => {
    const { threadId, first } = await busyThread(1_000);
    const refused = await httpErrorOf(alice.runs.create(threadId, "slow", { input: { label: "second" }, multitaskStrategy: "reject" }));
    expect(refused.status).toBe(409);
    expect(detailOf(refused)).toBe("Thread is already running a task. Wait for it to finish or choose a different multitask strategy.");
    await alice.runs.join(threadId, first.run_id);
    expect(await doneOn(threadId)).toEqual(["first"]);
    expect((await alice.runs.list(threadId)).length).toBe(1);
  });

  it("two concurrent rejecting creates on an idle thread: exactly one is queued", async () => {
    const thread = await alice.threads.create();
    const results = await Promise.allSettled(
      [1, 2].map((n) => alice.runs.create(thread.thread_id, "slow", { input: { label: `r${n}`, delay_ms: 200 }, multitaskStrategy: "reject" })),
    );
    expect(results.filter((result) => result.status === "fulfilled").length).toBe(1);
    expect((await alice.runs.list(thread.thread_id)).length).toBe(1);
  });

  it("enqueue: the second run waits for the first, then runs", async () => {
    const { threadId } = await busyThread(800);
    const second = await alice.runs.create(threadId, "slow", { input: { label: "second" }, multitaskStrategy: "enqueue" });
    await alice.runs.join(threadId, second.run_id);
    expect(await doneOn(threadId)).toEqual(["first", "second"]);
  });

  it("interrupt: the running run is stopped and kept as interrupted, the new one runs", async () => {
    const { threadId, first } = await busyThread();
    const second = await alice.runs.create(threadId, "slow", { input: { label: "second" }, multitaskStrategy: "interrupt" });
    await alice.runs.join(threadId, second.run_id);
    expect((await alice.runs.get(threadId, first.run_id)).status).toBe("interrupted");
    expect((await alice.runs.get(threadId, second.run_id)).status).toBe("success");
    expect(await doneOn(threadId)).toEqual(["second"]);
  });

  it("rollback: the running run is stopped and deleted, the new one runs", async () => {
    const { threadId, first } = await busyThread();
    const second = await alice.runs.create(threadId, "slow", { input: { label: "second" }, multitaskStrategy: "rollback" });
    await alice.runs.join(threadId, second.run_id);
    for (let tries = 0; tries < 100 && (await alice.runs.list(threadId)).length > 1; tries += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await httpErrorOf(alice.runs.get(threadId, first.run_id))).status).toBe(404);
    expect(await doneOn(threadId)).toEqual(["second"]);
  });

  it("cancel with wait (interrupt) answers once the worker has stopped the run", async () => {
    const { threadId, first } = await busyThread();
    await alice.runs.cancel(threadId, first.run_id, true, "interrupt");
    expect((await alice.runs.get(threadId, first.run_id)).status).toBe("interrupted");
    expect((await alice.threads.get(threadId)).status).not.toBe("busy");
  });

  it("cancel with rollback deletes the run", async () => {
    const { threadId, first } = await busyThread();
    await alice.runs.cancel(threadId, first.run_id, true, "rollback");
    expect((await httpErrorOf(alice.runs.get(threadId, first.run_id))).status).toBe(404);
  });

  it("cancel of a pending run interrupts it at once", async () => {
    const { threadId, first } = await busyThread();
    const queued = await alice.runs.create(threadId, "slow", { input: { label: "queued" }, multitaskStrategy: "enqueue" });
    await alice.runs.cancel(threadId, queued.run_id);
    expect((await alice.runs.get(threadId, queued.run_id)).status).toBe("interrupted");
    await alice.runs.cancel(threadId, first.run_id, true);
  });

  it("bob cannot cancel alice's run: 404, and the run keeps running", async () => {
    const { threadId, first } = await busyThread();
    const denied = await httpErrorOf(bob.runs.cancel(threadId, first.run_id));
    const missing = await httpErrorOf(bob.runs.cancel(randomUUID(), first.run_id));
    expect(denied.status).toBe(404);
    expect(detailOf(denied)).toBe(`Run with ID ${first.run_id} not found`);
    expect(detailOf(missing)).toBe(detailOf(denied));
    expect((await alice.runs.get(threadId, first.run_id)).status).toBe("running");
    await alice.runs.cancel(threadId, first.run_id, true);
  });

  it("cancelMany by run ids, and by status across the caller's threads only", async () => {
    const one = await busyThread();
    const two = await busyThread();
    const bobThread = await bob.threads.create();
    const bobRun = await bob.runs.create(bobThread.thread_id, "slow", { input: { label: "bob", delay_ms: 10_000 } });

    await alice.runs.cancelMany({ threadId: one.threadId, runIds: [one.first.run_id] });
    await alice.runs.join(one.threadId, one.first.run_id);
    expect((await alice.runs.get(one.threadId, one.first.run_id)).status).toBe("interrupted");

    await alice.runs.cancelMany({ status: "all" });
    await alice.runs.join(two.threadId, two.first.run_id);
    expect((await alice.runs.get(two.threadId, two.first.run_id)).status).toBe("interrupted");
    // Bob's run was not alice's to cancel.
    expect(["pending", "running"]).toContain((await bob.runs.get(bobThread.thread_id, bobRun.run_id)).status);
    await bob.runs.cancel(bobThread.thread_id, bobRun.run_id, true);
  });

  it("createBatch queues thread-less runs, each on its own thread, deleted with it when done (on_completion delete)", async () => {
    const runs = await alice.runs.createBatch([
      { assistantId: "slow", input: { label: "b1" } },
      { assistantId: "slow", input: { label: "b2" } },
    ]);
    expect(runs.length).toBe(2);
    expect(new Set(runs.map((run) => run.thread_id)).size).toBe(2);
    expect(runs.every((run) => (run as Run & { kwargs: { on_completion?: string } }).kwargs.on_completion === "delete")).toBe(true);
    for (const run of runs) {
      let status = 200;
      for (let tries = 0; tries < 200 && status === 200; tries += 1) {
        status = (await httpErrorOf(alice.threads.get(run.thread_id)).catch(() => ({ status: 200 }))).status;
        if (status === 200) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status).toBe(404);
    }
  });

  it("a thread-less run with on_completion keep keeps its thread and output", async () => {
    // LangGraph servers take "delete" or "keep"; the SDK's type names other values.
    const onCompletion = "keep" as unknown as "continue";
    const run = await alice.runs.create(null, "slow", { input: { label: "kept" }, onCompletion });
    const output = (await alice.runs.join(run.thread_id, run.run_id)) as SlowValues;
    expect(output.done).toEqual(["kept"]);
    expect(await doneOn(run.thread_id)).toEqual(["kept"]);
  });

  it("a graph that calls interrupt() is resumed with command.resume", async () => {
    const thread = await alice.threads.create();
    await alice.runs.wait(thread.thread_id, "ask", { input: { question: "What is your name?" } });
    const interrupted = await alice.threads.get(thread.thread_id);
    expect(interrupted.status).toBe("interrupted");
    const values = (await alice.runs.wait(thread.thread_id, "ask", { command: { resume: "Alice" } })) as { answer: string };
    expect(values.answer).toBe("Alice");
  });

  it("interruptBefore stops before the chatbot; a run without input continues it", async () => {
    const thread = await alice.threads.create();
    const input = { messages: [{ role: "user", content: "Hello" }] };
    const before = (await alice.runs.wait(thread.thread_id, "agent", { input, interruptBefore: ["chatbot"] })) as { messages: unknown[] };
    expect(before.messages.length).toBe(1);
    const after = (await alice.runs.wait(thread.thread_id, "agent", { input: null })) as { messages: { content: string }[] };
    expect(after.messages.at(-1)!.content.startsWith('Hello Alice! You said: "Hello".')).toBe(true);
  });

  it("afterSeconds holds the run pending until its time", async () => {
    const thread = await alice.threads.create();
    const started = Date.now();
    const run = await alice.runs.create(thread.thread_id, "slow", { input: { label: "later" }, afterSeconds: 2 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await alice.runs.get(thread.thread_id, run.run_id)).status).toBe("pending");
    await alice.runs.join(thread.thread_id, run.run_id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(await doneOn(thread.thread_id)).toEqual(["later"]);
  });

  it("ifNotExists create makes the missing thread, stamped with its owner; a hidden thread stays 404", async () => {
    const threadId = randomUUID();
    const output = (await alice.runs.wait(threadId, "slow", { input: { label: "made" }, ifNotExists: "create" })) as SlowValues;
    expect(output.done).toEqual(["made"]);
    expect((await alice.threads.get(threadId)).metadata).toMatchObject({ owner: "user1" });
    const hidden = await httpErrorOf(bob.runs.create(threadId, "slow", { input: { label: "bob" }, ifNotExists: "create" }));
    const missingId = randomUUID();
    const missing = await httpErrorOf(bob.runs.create(missingId, "slow", { input: { label: "bob" } }));
    expect(hidden.status).toBe(404);
    expect(detailOf(hidden)).toBe(`Thread with ID ${threadId} not found`);
    expect(detailOf(missing)).toBe(`Thread with ID ${missingId} not found`);
    expect((await alice.runs.list(threadId)).length).toBe(1);
  });

  it("a stream dropped mid-run resumes with Last-Event-ID: every event exactly once, in order", async () => {
    const thread = await alice.threads.create();
    const headers = { authorization: "Bearer user1-token", "content-type": "application/json" };
    const body = JSON.stringify({ assistant_id: "agent", input: { messages: [{ role: "user", content: "a long enough message to stream" }] }, stream_mode: ["messages-tuple", "values"] });
    const abort = new AbortController();
    const response = await fetch(`${gatehouse.gatewayUrl}/threads/${thread.thread_id}/runs/stream`, { method: "POST", headers, body, signal: abort.signal });
    expect(response.status).toBe(200);
    const runPath = response.headers.get("content-location")!;
    // Only whole events count: the parser yields an event once its blank line has arrived.
    const ids = (text: string) => createSseParser().feed(text).map((event) => event.id!);
    const reader = response.body!.getReader();
    const firstPart = await readStreamUntil(reader, (text) => ids(text).length >= 3);
    abort.abort();
    const seenFirst = ids(firstPart);
    const resumed = await fetch(`${gatehouse.gatewayUrl}${runPath}/stream`, { headers: { ...headers, "last-event-id": seenFirst.at(-1)! } });
    expect(resumed.status).toBe(200);
    const rest = ids(await resumed.text());
    const full = await fetch(`${gatehouse.gatewayUrl}${runPath}/stream`, { headers });
    const all = ids(await full.text());
    expect([...seenFirst, ...rest]).toEqual(all);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThan(seenFirst.length);
  });

  it("an invalid Last-Event-ID is refused naming last_event_id, before any stream byte", async () => {
    const thread = await alice.threads.create();
    const run = await alice.runs.create(thread.thread_id, "slow", { input: { label: "x" } });
    const response = await fetch(`${gatehouse.gatewayUrl}/threads/${thread.thread_id}/runs/${run.run_id}/stream`, {
      headers: { authorization: "Bearer user1-token", "last-event-id": "not-an-id" },
    });
    expect(response.status).toBe(422);
    expect(response.headers.get("content-type")).not.toContain("event-stream");
    expect(await response.text()).toContain("last_event_id");
  });

  /** Opens a raw SSE request, reads until its first event, then drops the connection. */
  async function readFirstEventThenDrop(url: string, init: RequestInit): Promise<void> {
    const abort = new AbortController();
    const response = await fetch(url, { ...init, signal: abort.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    await readStreamUntil(reader, (text) => createSseParser().feed(text).length > 0);
    abort.abort();
  }

  it("a stream with on_disconnect cancel interrupts its run when the client goes away; the default keeps it running", async () => {
    const headers = { authorization: "Bearer user1-token", "content-type": "application/json" };
    const thread = await alice.threads.create();
    const cancelled = JSON.stringify({ assistant_id: "slow", input: { label: "dropped", delay_ms: 10_000 }, on_disconnect: "cancel" });
    await readFirstEventThenDrop(`${gatehouse.gatewayUrl}/threads/${thread.thread_id}/runs/stream`, { method: "POST", headers, body: cancelled });
    const [dropped] = await alice.runs.list(thread.thread_id);
    await alice.runs.join(thread.thread_id, dropped!.run_id);
    expect((await alice.runs.get(thread.thread_id, dropped!.run_id)).status).toBe("interrupted");

    const kept = JSON.stringify({ assistant_id: "slow", input: { label: "kept", delay_ms: 1_000 } });
    await readFirstEventThenDrop(`${gatehouse.gatewayUrl}/threads/${thread.thread_id}/runs/stream`, { method: "POST", headers, body: kept });
    const [continued] = await alice.runs.list(thread.thread_id);
    await alice.runs.join(thread.thread_id, continued!.run_id);
    expect((await alice.runs.get(thread.thread_id, continued!.run_id)).status).toBe("success");
  });

  it("joinStream with cancel_on_disconnect interrupts the run when the client goes away", async () => {
    const { threadId, first } = await busyThread();
    await readFirstEventThenDrop(`${gatehouse.gatewayUrl}/threads/${threadId}/runs/${first.run_id}/stream?cancel_on_disconnect=true`, {
      headers: { authorization: "Bearer user1-token" },
    });
    await alice.runs.join(threadId, first.run_id);
    expect((await alice.runs.get(threadId, first.run_id)).status).toBe("interrupted");
  });
});
