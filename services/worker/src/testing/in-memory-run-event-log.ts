import type { NewRunEvent, ReadRunEventsOptions, RunEvent, RunEventLog } from "@gatehouse/run-events";

/**
 * A RunEventLog in one process's memory, for tests of the worker: ids are
 * sequence numbers; a finished stream is dropped after `expireAfterMs` when
 * given (kept otherwise). The real implementations live in
 * `@gatehouse/run-events`.
 */
export function createInMemoryRunEventLog(options: { expireAfterMs?: number } = {}): RunEventLog & { events(runId: string): RunEvent[] } {
  const streams = new Map<string, { events: RunEvent[]; finished: boolean; waiters: Set<() => void> }>();
  const stream = (runId: string) => {
    let found = streams.get(runId);
    if (found === undefined) streams.set(runId, (found = { events: [], finished: false, waiters: new Set() }));
    return found;
  };
  const notify = (runId: string) => {
    const { waiters } = stream(runId);
    for (const wake of waiters) wake();
    waiters.clear();
  };
  return {
    events: (runId) => [...(streams.get(runId)?.events ?? [])],
    async append(runId, events: readonly NewRunEvent[]) {
      const target = stream(runId);
      for (const event of events) target.events.push({ id: String(target.events.length + 1), ...event });
      notify(runId);
    },
    async finish(runId) {
      stream(runId).finished = true;
      notify(runId);
      if (options.expireAfterMs !== undefined) setTimeout(() => streams.delete(runId), options.expireAfterMs).unref();
    },
    async *read(runId, options: ReadRunEventsOptions = {}) {
      let next = options.afterId === undefined ? 0 : Number(options.afterId);
      const target = stream(runId);
      while (!options.signal?.aborted) {
        while (next < target.events.length) yield target.events[next++]!;
        if (target.finished) return;
        await new Promise<void>((resolve) => {
          target.waiters.add(resolve);
          options.signal?.addEventListener("abort", () => resolve(), { once: true });
        });
      }
    },
    async isFinished(runId) {
      return streams.get(runId)?.finished ?? false;
    },
    async close() {
      streams.clear();
    },
  };
}
