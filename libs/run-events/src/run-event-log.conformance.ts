/**
 * One behaviour table every run event log must pass, run by each
 * implementation's test file against its real backing store, so the logs
 * the worker and the store may be configured with can never disagree.
 */
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidRunEventIdError, RunStreamFinishedError } from "./run-event-errors.js";
import type { NewRunEvent, RunEvent, RunEventLog } from "./run-event-log.js";
import type { RunEventLogBounds } from "./run-event-log-options.js";

/** What the conformance suite needs to know about one implementation. */
export interface RunEventLogSubject {
  /** A new log; logs made by one subject share their backing store, as replicas do. */
  create(bounds?: RunEventLogBounds): RunEventLog;
  /** Whether two logs made by `create` see each other's runs (false only for the in-memory log). */
  sharedAcrossInstances: boolean;
  /** Connections to the backing store held right now (0 when there is none). */
  connections(): Promise<number>;
  /** How many events beyond `maxEventsPerRun` a run may keep for a while (approximate trimming). */
  trimSlack: number;
  /** How long after `finishedTtlMs` a finished run's events may linger (a janitor's interval). */
  expirySlackMs: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const events = (from: number, count: number, event = "values"): NewRunEvent[] =>
  Array.from({ length: count }, (_, i) => ({ event, data: { n: from + i, text: `line ${from + i}\nnext` } }));
const numbers = (read: RunEvent[]) => read.map((e) => (e.data as { n: number }).n);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;

async function collect(iterable: AsyncIterable<RunEvent>, limit = Infinity): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  if (limit <= 0) return out;
  for await (const event of iterable) {
    out.push(event);
    if (out.length >= limit) break;
  }
  return out;
}

/** Registers the conformance suite for one run event log implementation. */
export function describeRunEventLogConformance(name: string, subject: RunEventLogSubject): void {
  describe(`${name} behaves as a run event log`, () => {
    const opened: RunEventLog[] = [];
    const open = (bounds?: RunEventLogBounds) => {
      const log = subject.create(bounds);
      opened.push(log);
      return log;
    };
    afterAll(async () => {
      await Promise.all(opened.map((log) => log.close()));
    });

    it("delivers a run's events in the order they were appended, with increasing ids, and ends after finish", async () => {
      const log = open();
      const runId = randomUUID();
      await log.append(runId, [{ event: "metadata", data: { run_id: runId, attempt: 1 } }]);
      await log.append(runId, events(1, 3));
      await log.append(runId, [{ event: "messages/partial", data: [{ content: "hé 🙂", type: "ai" }] }]);
      await log.finish(runId);
      const read = await collect(log.read(runId));
      expect(read.map((e) => e.event)).toEqual(["metadata", "values", "values", "values", "messages/partial"]);
      expect(read[0]!.data).toEqual({ run_id: runId, attempt: 1 });
      expect(read[4]!.data).toEqual([{ content: "hé 🙂", type: "ai" }]);
      expect(numbers(read.slice(1, 4))).toEqual([1, 2, 3]);
      expect(new Set(read.map((e) => e.id)).size).toBe(5);
    });

    it("hands back each event's JSON data as it was appended", async () => {
      const log = open();
      const runId = randomUUID();
      const payloads: unknown[] = [
        null,
        "plain",
        0,
        -12.5,
        Number.MAX_SAFE_INTEGER,
        0.1,
        true,
        [],
        {},
        { nested: { list: [1, "two", { three: null }], empty: "" } },
        { unicode: "Grüße, 你好, 🙂, \u2028 and \t \n \" \\ quotes", nul: "a\u0000b" },
        [{ type: "ai", content: "", tool_calls: [{ name: "search", args: { q: "x" }, id: "call_1" }] }, { langgraph_node: "agent" }],
      ];
      await log.append(runId, payloads.map((data, i) => ({ event: i % 2 === 0 ? "values" : "messages|agent:1", data })));
      await log.finish(runId);
      const read = await collect(log.read(runId));
      expect(read.map((e) => e.data)).toEqual(payloads);
      expect(read.map((e) => e.event)).toEqual(payloads.map((_, i) => (i % 2 === 0 ? "values" : "messages|agent:1")));
    });

    it("keeps a reader that starts before the run's first event waiting until it comes", async () => {
      const log = open();
      const runId = randomUUID();
      const reading = collect(log.read(runId));
      await pause(100);
      await log.append(runId, events(1, 2));
      await pause(50);
      await log.append(runId, events(3, 1));
      await log.finish(runId);
      expect(numbers(await reading)).toEqual([1, 2, 3]);
    });

    it("gives every one of many concurrent readers every event, while the events are being appended", async () => {
      const log = open();
      const runId = randomUUID();
      await log.append(runId, events(1, 5));
      const readers = Array.from({ length: 60 }, () => collect(log.read(runId)));
      for (let batch = 0; batch < 19; batch += 1) {
        await log.append(runId, events(6 + batch * 5, 5));
        if (batch % 4 === 0) await pause(10);
      }
      await log.finish(runId);
      for (const read of await Promise.all(readers)) expect(numbers(read)).toEqual(range(1, 100));
    });

    it("resumes after an event id with every later event exactly once", async () => {
      const log = open();
      const runId = randomUUID();
      await log.append(runId, events(1, 10));
      const first = await collect(log.read(runId), 4);
      expect(numbers(first)).toEqual([1, 2, 3, 4]);
      await log.finish(runId);
      expect(numbers(await collect(log.read(runId, { afterId: first[3]!.id })))).toEqual(range(5, 10));
      expect(await collect(log.read(runId, { afterId: (await collect(log.read(runId))).at(-1)!.id }))).toEqual([]);
    });

    it("loses and repeats nothing when a client reconnects with its last id again and again while events keep coming", async () => {
      const log = open();
      const runId = randomUUID();
      const total = 300;
      const writing = (async () => {
        for (let n = 1; n <= total; n += 3) {
          await log.append(runId, events(n, 3));
          if (n % 30 === 1) await pause(5);
        }
        await log.finish(runId);
      })();
      const seen: RunEvent[] = [];
      let lastId: string | undefined;
      for (let connection = 0; connection < 1_000; connection += 1) {
        const controller = new AbortController();
        let got = 0;
        let ended = true;
        for await (const event of log.read(runId, { afterId: lastId, signal: controller.signal })) {
          seen.push(event);
          lastId = event.id;
          got += 1;
          if (got === 17) {
            ended = false;
            controller.abort();
            break;
          }
        }
        if (ended) break;
      }
      await writing;
      expect(numbers(seen)).toEqual(range(1, total));
    });

    it("ends at once a resume of a finished run from an id past its last event", async () => {
      const log = open();
      const runId = randomUUID();
      await log.append(runId, events(1, 2));
      await log.finish(runId);
      const [, last] = await collect(log.read(runId));
      const beyond = last!.id.includes("-") ? `${BigInt(last!.id.split("-")[0]!) + 1000n}-0` : String(Number(last!.id) + 1000);
      expect(await collect(log.read(runId, { afterId: beyond, signal: AbortSignal.timeout(2_000) }))).toEqual([]);
      const started = Date.now();
      await collect(log.read(runId, { afterId: beyond }));
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it("answers a read of a finished run with its kept events, then ends", async () => {
      const log = open();
      const runId = randomUUID();
      await log.append(runId, events(1, 4));
      await log.finish(runId);
      expect(numbers(await collect(log.read(runId)))).toEqual([1, 2, 3, 4]);
      expect(numbers(await collect(log.read(runId)))).toEqual([1, 2, 3, 4]);
    });

    it("reports whether a run is finished, and refuses appends after finish", async () => {
      const log = open();
      const runId = randomUUID();
      expect(await log.isFinished(runId)).toBe(false);
      await log.append(runId, events(1, 1));
      expect(await log.isFinished(runId)).toBe(false);
      await log.finish(runId);
      await log.finish(runId);
      expect(await log.isFinished(runId)).toBe(true);
      await expect(log.append(runId, events(2, 1))).rejects.toBeInstanceOf(RunStreamFinishedError);
      expect(numbers(await collect(log.read(runId)))).toEqual([1]);
    });

    it("refuses an after-id it could never have issued", async () => {
      const log = open();
      const runId = randomUUID();
      await log.finish(runId);
      for (const bad of ["abc", "-1", "1-2-3", "1 OR 1=1", "", "99999999999999999999-0"]) {
        await expect(collect(log.read(runId, { afterId: bad }))).rejects.toBeInstanceOf(InvalidRunEventIdError);
      }
    });

    it("keeps at most maxEventsPerRun events of a run, dropping the oldest, and resumes a trimmed id from the oldest kept", async () => {
      const log = open({ maxEventsPerRun: 100 });
      const runId = randomUUID();
      const firstRead = collect(log.read(runId), 1);
      await log.append(runId, events(1, 10));
      const [first] = await firstRead;
      for (let n = 11; n <= 400; n += 10) await log.append(runId, events(n, 10));
      await log.finish(runId);
      const kept = numbers(await collect(log.read(runId)));
      expect(kept.length).toBeGreaterThanOrEqual(100);
      expect(kept.length).toBeLessThanOrEqual(100 + subject.trimSlack);
      expect(kept).toEqual(range(401 - kept.length, 400));
      expect(numbers(await collect(log.read(runId, { afterId: first!.id })))).toEqual(kept);
    });

    it("forgets a finished run once finishedTtlMs has passed", async () => {
      const log = open({ finishedTtlMs: 300 });
      const runId = randomUUID();
      await log.append(runId, events(1, 3));
      await log.finish(runId);
      expect(await log.isFinished(runId)).toBe(true);
      await pause(300 + subject.expirySlackMs);
      expect(await log.isFinished(runId)).toBe(false);
      expect(await collect(log.read(runId, { signal: AbortSignal.timeout(200) }))).toEqual([]);
    });

    it("ends a waiting reader promptly when its signal aborts, holding no connection or timer afterwards", { timeout: 30_000 }, async () => {
      const log = open();
      const warmUp = new AbortController();
      const warming = collect(log.read(randomUUID(), { signal: warmUp.signal }));
      await pause(100);
      warmUp.abort();
      await warming;
      await pause(50);
      const connectionsBefore = await subject.connections();
      const timersBefore = timers();

      const controllers = Array.from({ length: 200 }, () => new AbortController());
      const readers = controllers.map((controller) => collect(log.read(randomUUID(), { signal: controller.signal })));
      // Every waiting reader holds one timer (its longest wait): so all of them are waiting now.
      await expect.poll(timers, { timeout: 15_000 }).toBeGreaterThanOrEqual(timersBefore + controllers.length);
      // Waiting holds no connection: once the readers' first reads are done, at most the shared poll is out.
      await expect.poll(() => subject.connections(), { timeout: 5_000 }).toBeLessThanOrEqual(connectionsBefore + 1);
      const aborted = Date.now();
      for (const controller of controllers) controller.abort();
      expect(await Promise.all(readers)).toEqual(controllers.map(() => []));
      expect(Date.now() - aborted).toBeLessThan(500);
      // At most as many as before: work of earlier readers that was still out then may have ended since.
      await expect.poll(() => subject.connections(), { timeout: 2_000 }).toBeLessThanOrEqual(connectionsBefore);
      expect(timers()).toBeLessThanOrEqual(timersBefore);
    });

    it.runIf(subject.sharedAcrossInstances)("lets two replicas sharing the backing store see each other's runs", async () => {
      const worker = open();
      const relay = open();
      const runId = randomUUID();
      const reading = collect(relay.read(runId));
      await pause(50);
      await worker.append(runId, events(1, 5));
      await pause(20);
      await worker.append(runId, events(6, 5));
      await worker.finish(runId);
      expect(numbers(await reading)).toEqual(range(1, 10));
      expect(await relay.isFinished(runId)).toBe(true);
      await expect(relay.append(runId, events(11, 1))).rejects.toBeInstanceOf(RunStreamFinishedError);
    });
  });
}
