import { InvalidRunEventIdError, RunStreamFinishedError } from "./run-event-errors.js";
import type { NewRunEvent, ReadRunEventsOptions, RunEvent, RunEventLog } from "./run-event-log.js";
import { parseSeqId, resolveBounds, type RunEventLogBounds } from "./run-event-log-options.js";
import { waitForWake } from "./wait-for-wake.js";

/** Options of the in-memory run event log: only its bounds (see {@link RunEventLogBounds}). */
export type MemoryRunEventLogOptions = RunEventLogBounds;

interface MemoryStream {
  /** Kept events, oldest first, their data as JSON text: each reader gets its own copy, as from the other logs. */
  events: { id: string; event: string; json: string }[];
  lastSeq: number;
  finished: boolean;
  expiry: NodeJS.Timeout | undefined;
}

/**
 * A run event log in this process's memory, for tests and the single-process
 * topology where worker and store share a process. Event ids are the run's
 * sequence numbers (`"1"`, `"2"`, …). Each run keeps at most
 * `maxEventsPerRun` events (the oldest go first); a run is forgotten
 * `finishedTtlMs` after it finishes, or `abandonedTtlMs` after its last
 * append if it never does. Data is kept as JSON text, so each reader gets
 * its own copy, exactly as the other logs give it. Expiry timers are
 * unref'd, so they never keep the process alive.
 */
export function createMemoryRunEventLog(options: MemoryRunEventLogOptions = {}): RunEventLog {
  const bounds = resolveBounds(options);
  const streams = new Map<string, MemoryStream>();
  /** Readers waiting for news of a run, whether or not its stream exists yet. */
  const waiting = new Map<string, Set<() => void>>();
  let closed = false;

  const expireIn = (runId: string, stream: MemoryStream, ms: number) => {
    clearTimeout(stream.expiry);
    stream.expiry = setTimeout(() => {
      if (streams.get(runId) === stream) streams.delete(runId);
    }, ms);
    stream.expiry.unref();
  };

  const streamOf = (runId: string): MemoryStream => {
    let stream = streams.get(runId);
    if (stream === undefined) {
      stream = { events: [], lastSeq: 0, finished: false, expiry: undefined };
      streams.set(runId, stream);
    }
    return stream;
  };

  const wakeAll = (runId: string) => {
    for (const wake of [...(waiting.get(runId) ?? [])]) wake();
  };

  const subscribe = (runId: string) => (wake: () => void) => {
    let wakers = waiting.get(runId);
    if (wakers === undefined) waiting.set(runId, (wakers = new Set()));
    wakers.add(wake);
    return () => {
      wakers.delete(wake);
      if (wakers.size === 0 && waiting.get(runId) === wakers) waiting.delete(runId);
    };
  };

  return {
    async append(runId, events: readonly NewRunEvent[]) {
      if (closed) throw new Error("run event log is closed");
      const stream = streamOf(runId);
      if (stream.finished) throw new RunStreamFinishedError(runId);
      if (events.length === 0) return;
      for (const { event, data } of events) {
        stream.lastSeq += 1;
        stream.events.push({ id: String(stream.lastSeq), event, json: JSON.stringify(data ?? null) });
      }
      const excess = stream.events.length - bounds.maxEventsPerRun;
      if (excess > 0) stream.events.splice(0, excess);
      expireIn(runId, stream, bounds.abandonedTtlMs);
      wakeAll(runId);
    },

    async finish(runId) {
      const stream = streamOf(runId);
      if (stream.finished) return;
      stream.finished = true;
      expireIn(runId, stream, bounds.finishedTtlMs);
      wakeAll(runId);
    },

    async *read(runId, { afterId, signal }: ReadRunEventsOptions = {}): AsyncGenerator<RunEvent> {
      let cursor = afterId === undefined ? 0 : parseSeqId(afterId);
      if (cursor === undefined) throw new InvalidRunEventIdError("afterId");
      while (!closed && !signal?.aborted) {
        const stream = streams.get(runId);
        const kept = stream?.events ?? [];
        const firstSeq = stream === undefined ? 1 : stream.lastSeq - kept.length + 1;
        const from = Math.max(0, cursor - firstSeq + 1);
        if (from < kept.length) {
          const batch = kept.slice(from);
          for (const { id, event, json } of batch) {
            if (signal?.aborted) return;
            cursor = Number(id);
            yield { id, event, data: JSON.parse(json) };
          }
          continue;
        }
        if (stream?.finished) return;
        await waitForWake(subscribe(runId), 60_000, signal);
      }
    },

    async isFinished(runId) {
      return streams.get(runId)?.finished ?? false;
    },

    async close() {
      closed = true;
      for (const stream of streams.values()) clearTimeout(stream.expiry);
      streams.clear();
      for (const runId of [...waiting.keys()]) wakeAll(runId);
    },
  };
}
