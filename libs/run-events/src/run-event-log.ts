/**
 * One event of a run's stream as a LangGraph client receives it over SSE:
 * `event` is the SSE event name (`metadata`, `values`, `updates`,
 * `messages/partial`, `updates|subgraph:ns`, `error`, …) and `data` its JSON
 * payload. `id` is assigned by the log, increases within a run, and is what
 * a client sends back as `Last-Event-ID` to resume after it.
 */
export interface RunEvent {
  id: string;
  event: string;
  data: unknown;
}

/** An event before the log has given it an id. */
export type NewRunEvent = Omit<RunEvent, "id">;

/** How a reader follows a run's events. */
export interface ReadRunEventsOptions {
  /** Resume after this id (exclusive); unset, from the first event still kept. */
  afterId?: string;
  /** Stops waiting and ends the iteration when aborted. */
  signal?: AbortSignal;
}

/**
 * The channel a run's events travel through, from the worker executing it to
 * whichever store replica relays them to a client. Bounded: each run keeps
 * at most a configured number of events, and a finished run's events expire
 * after a configured time, so neither memory nor storage grows without end.
 */
export interface RunEventLog {
  /**
   * Appends events to a run's stream, in order; they reach every reader, on
   * any replica. Rejects with `RunStreamFinishedError` once the stream is
   * finished.
   */
  append(runId: string, events: readonly NewRunEvent[]): Promise<void>;
  /** Marks the run's stream complete: readers end after its last event, and its events start to expire. Idempotent. */
  finish(runId: string): Promise<void>;
  /**
   * The run's events after `afterId`, then each new one as it is appended,
   * ending once the stream is finished (or the signal aborts). A run with no
   * stream yet is waited for; the caller bounds the wait with the signal.
   * An `afterId` older than the oldest event kept resumes from the oldest
   * kept; one the log could never have issued makes the iteration reject
   * with `InvalidRunEventIdError`.
   */
  read(runId: string, options?: ReadRunEventsOptions): AsyncIterable<RunEvent>;
  /** Whether the run's stream has been finished (and not yet expired). */
  isFinished(runId: string): Promise<boolean>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
