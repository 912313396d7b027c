import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { RunEventSchema } from "@gatehouse/contracts";
import { ErrorReason, gatehouseError } from "@gatehouse/errors";
import type { JsonValue } from "@bufbuild/protobuf";
import { InvalidRunEventIdError, type RunEvent, type RunEventLog } from "@gatehouse/run-events";
import type { Access } from "./authorization.js";
import type { RunRepo, RunRow } from "./repo/run-repo.js";

const endedStatuses = new Set(["success", "error", "timeout", "interrupted"]);

/** Whether a run has ended: no worker will write to it again. */
export function hasEnded(run: RunRow): boolean {
  return endedStatuses.has(run.status);
}

/** A log event as the store sends it: its data as JSON text. */
export function eventToProto(event: RunEvent): MessageInitShape<typeof RunEventSchema> {
  return { id: event.id, event: event.event, dataJson: JSON.stringify(event.data ?? null) };
}

/** The INVALID_ARGUMENT for a `last_event_id` the log could never have issued. */
export function invalidEventId(): ConnectError {
  return gatehouseError(Code.InvalidArgument, ErrorReason.INVALID_EVENT_ID, "last_event_id: not an event id of this run's stream", { field: "last_event_id" });
}

/** What a reader saw of a run's stream: its last `values` event and its last `error` event. */
interface Seen {
  values?: unknown;
  error?: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The values after one more `values` event: a chunk that carries only
 * `__interrupt__` (the interrupts a run stopped at) is added to the values
 * before it, so the output holds the state and its interrupts.
 */
function mergedValues(before: unknown, chunk: unknown): unknown {
  const onlyInterrupts = isObject(chunk) && Object.keys(chunk).length === 1 && "__interrupt__" in chunk;
  return onlyInterrupts && isObject(before) ? { ...before, ...chunk } : chunk;
}

async function scan(events: AsyncIterable<RunEvent>): Promise<Seen> {
  const seen: Seen = {};
  for await (const event of events) {
    if (event.event === "values") seen.values = mergedValues(seen.values, event.data);
    else if (event.event === "error") seen.error = event.data;
  }
  return seen;
}

/**
 * Follows runs to their end through the run event log, and builds the
 * output LangGraph's wait and join endpoints answer with.
 */
export function createRunFollower(runs: RunRepo, events: RunEventLog) {
  /**
   * The output of an ended run: `{"__error__": {error, message}}` for a
   * failed or timed-out run; else the last values it streamed, or its
   * thread's values.
   */
  async function outputOf(run: RunRow, seen: Seen, thread: Access<"threads">): Promise<JsonValue> {
    if (run.status === "error" || run.status === "timeout") {
      return { __error__: (seen.error ?? { error: "Error", message: `the run ended with status ${run.status}` }) as JsonValue };
    }
    if (seen.values !== undefined) return seen.values as JsonValue;
    return (await runs.threadValues(run.thread_id, thread)) ?? null;
  }

  return {
    /**
     * Waits for a run (already authorized and read as `run`) to end and
     * returns it in its final status with its output. A run that had ended
     * answers at once. A run deleted meanwhile (rollback, or a thread-less
     * run whose thread went with it) is reported with the status its stream
     * implies.
     */
    async untilEnded(run: RunRow, thread: Access<"threads">, signal: AbortSignal): Promise<{ run: RunRow; output: JsonValue }> {
      if (hasEnded(run)) {
        const seen = (await events.isFinished(run.run_id)) ? await scan(events.read(run.run_id, { signal })) : {};
        return { run, output: await outputOf(run, seen, thread) };
      }
      const seen = await scan(events.read(run.run_id, { signal }));
      if (signal.aborted) throw new ConnectError("the caller went away", Code.Canceled);
      const ended = (await runs.get(run.thread_id, run.run_id, thread)) ?? { ...run, status: seen.error === undefined ? "interrupted" : "error", updated_at: new Date() };
      return { run: ended, output: await outputOf(ended, seen, thread) };
    },

    /**
     * The run's events after `afterId` until its stream is finished. The
     * first step is taken before anything is sent, so an id the log could
     * never have issued is INVALID_ARGUMENT naming `last_event_id` before
     * the first message; the returned iterable yields the rest.
     */
    async events(run: RunRow, afterId: string | undefined, signal: AbortSignal): Promise<AsyncIterable<RunEvent>> {
      // An ended run whose stream has expired has nothing left to send.
      if (hasEnded(run) && !(await events.isFinished(run.run_id))) return (async function* () {})();
      const iterator = events.read(run.run_id, { afterId, signal })[Symbol.asyncIterator]();
      const first = iterator.next();
      // Both logs refuse a malformed id before their first wait, so a refusal has settled by the next macrotask.
      const early = await Promise.race([first.then(() => undefined, (error: unknown) => error), new Promise((resolve) => setImmediate(resolve, undefined))]);
      if (early instanceof InvalidRunEventIdError) throw invalidEventId();
      if (early !== undefined) throw early;
      return (async function* () {
        try {
          let next = await first;
          while (next.done !== true) {
            yield next.value;
            next = await iterator.next();
          }
        } finally {
          await iterator.return?.();
        }
      })();
    },
  };
}

/** Follows runs; see createRunFollower. */
export type RunFollower = ReturnType<typeof createRunFollower>;
