import type pg from "pg";
import { InvalidRunEventIdError, RunStreamFinishedError } from "./run-event-errors.js";
import type { NewRunEvent, ReadRunEventsOptions, RunEvent, RunEventLog } from "./run-event-log.js";
import { parseSeqId, resolveBounds, type RunEventLogBounds } from "./run-event-log-options.js";
import { waitForWake } from "./wait-for-wake.js";

/** Options of the Postgres run event log; see {@link RunEventLogBounds} for the bounds. */
export interface PostgresRunEventLogOptions extends RunEventLogBounds {
  /** The pool to query through; the log never ends it. Run {@link ensureRunEventTables} on it first. */
  pool: pg.Pool;
  /**
   * Whether readers hold one pooled connection open to `LISTEN` for appends,
   * so they wake at once instead of at their next poll. Default true; turn
   * it off where the pool has a single connection (the embedded PGlite
   * database) or the server cannot `LISTEN`.
   */
  listen?: boolean;
  /** The notification channel; a plain lower-case identifier, default `gatehouse_run_events`. */
  channel?: string;
  /**
   * How often the log polls for the runs its readers wait on, without
   * `LISTEN`; default 25 ms. One query per poll covers every waiting reader
   * of this log, however many there are.
   */
  pollMs?: number;
  /** How often the log polls while `LISTEN` works, in case a notification is lost; default 1 000 ms. */
  notifiedPollMs?: number;
  /** How often this log deletes expired runs' events; default 60 000 ms; 0 turns the janitor off. */
  janitorIntervalMs?: number;
  /** How many events a reader fetches per query; default 500. */
  readBatch?: number;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const channelPattern = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * One statement, so one snapshot and one round trip: bumps the run's
 * sequence (refused once finished: no row comes back), inserts the batch
 * (at most the cap's worth of its newest events), deletes what falls out of
 * the cap, and notifies listeners. The row lock on the stream serialises
 * appenders of one run, so sequence order is commit order.
 */
const appendSql = `
WITH s AS (
  INSERT INTO run_event_streams AS s (run_id, last_seq) VALUES ($1, $2)
  ON CONFLICT (run_id) DO UPDATE SET last_seq = s.last_seq + $2, updated_at = now()
  WHERE s.finished_at IS NULL
  RETURNING s.last_seq
), inserted AS (
  INSERT INTO run_events (run_id, seq, event, data)
  SELECT $1, s.last_seq - $2 + $3 + t.ord, t.event, t.data::json
  FROM s, unnest($4::text[], $5::text[]) WITH ORDINALITY AS t(event, data, ord)
), trimmed AS (
  DELETE FROM run_events WHERE run_id = $1 AND seq <= (SELECT last_seq FROM s) - $6
)
SELECT s.last_seq, pg_notify($7, $1::text) FROM s`;

const finishSql = `
INSERT INTO run_event_streams AS s (run_id, finished_at) VALUES ($1, now())
ON CONFLICT (run_id) DO UPDATE SET finished_at = now(), updated_at = now()
WHERE s.finished_at IS NULL
RETURNING pg_notify($2, $1::text)`;

/** The run's state and its next events in one snapshot: "finished and nothing after the cursor" means done. */
const readSql = `
SELECT s.finished_at IS NOT NULL AS finished, e.seq::text AS seq, e.event, e.data::text AS data
FROM (SELECT 1) AS one
LEFT JOIN run_event_streams s ON s.run_id = $1
LEFT JOIN LATERAL (
  SELECT seq, event, data FROM run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3
) e ON true
ORDER BY e.seq`;

const pollSql = `
SELECT run_id::text AS run_id, last_seq::text AS last_seq, finished_at IS NOT NULL AS finished
FROM run_event_streams WHERE run_id = ANY($1::uuid[])`;

const isFinishedSql = `
SELECT 1 FROM run_event_streams
WHERE run_id = $1 AND finished_at > now() - make_interval(secs => $2::double precision / 1000)`;

const sweepSql = `
WITH gone AS (
  DELETE FROM run_event_streams
  WHERE finished_at < now() - make_interval(secs => $1::double precision / 1000)
     OR (finished_at IS NULL AND updated_at < now() - make_interval(secs => $2::double precision / 1000))
  RETURNING run_id
)
DELETE FROM run_events WHERE run_id IN (SELECT run_id FROM gone)`;

interface ReadingState {
  readers: number;
  notifications: number;
}

interface Fetch {
  rows: Promise<ReadRow[]>;
  notificationsBefore: number;
}

interface ReadRow {
  finished: boolean;
  seq: string | null;
  event: string | null;
  data: string | null;
}

/**
 * A run event log in Postgres, for deployments without Redis (the embedded
 * PGlite database included, through the same pg code path). Event ids are
 * the run's sequence numbers (`"1"`, `"2"`, …). Each append keeps at most
 * `maxEventsPerRun` events per run, exactly; a janitor on every replica
 * deletes runs finished more than `finishedTtlMs` ago and runs with no
 * append for `abandonedTtlMs`. Readers poll, and wake early on
 * `LISTEN`/`NOTIFY` when `listen` is on. Tables: {@link ensureRunEventTables}.
 */
export function createPostgresRunEventLog(options: PostgresRunEventLogOptions): RunEventLog {
  const bounds = resolveBounds(options);
  const { pool } = options;
  const channel = options.channel ?? "gatehouse_run_events";
  if (!channelPattern.test(channel)) throw new RangeError(`channel must be a lower-case identifier, got ${channel}`);
  const pollMs = options.pollMs ?? 25;
  const notifiedPollMs = options.notifiedPollMs ?? 1_000;
  const readBatch = options.readBatch ?? 500;
  /** Readers waiting for a run to move past the id they have read up to. */
  const waiting = new Map<string, Set<{ cursor: number; wake: () => void }>>();
  let closed = false;

  /**
   * Per run being read: how many readers, and how many notifications came.
   * A reader compares the count from before its query with the count when
   * it is about to wait, so a notification that lands in between is not lost.
   */
  const reading = new Map<string, ReadingState>();
  const wakeRun = (runId: string) => {
    const state = reading.get(runId);
    if (state !== undefined) state.notifications += 1;
    for (const watch of [...(waiting.get(runId) ?? [])]) watch.wake();
  };
  const wakeEveryone = () => {
    for (const runId of [...waiting.keys()]) wakeRun(runId);
  };

  let listener: pg.PoolClient | undefined;
  let listening: Promise<boolean> | undefined;
  let lastListenFailure = 0;
  const released = new WeakSet<pg.PoolClient>();
  const dropListener = (client: pg.PoolClient, error?: Error) => {
    if (released.has(client)) return;
    released.add(client);
    if (listener === client) listener = undefined;
    listening = undefined;
    lastListenFailure = Date.now();
    client.release(error ?? true);
    wakeEveryone();
  };
  /** Starts listening once a reader first waits; after a failure, retries no sooner than 5 s later. */
  const ensureListening = (): Promise<boolean> => {
    if (options.listen === false || closed) return Promise.resolve(false);
    if (listening === undefined && Date.now() - lastListenFailure < 5_000) return Promise.resolve(false);
    listening ??= (async () => {
      let client: pg.PoolClient | undefined;
      try {
        client = await pool.connect();
        client.on("notification", (message) => {
          if (message.payload !== undefined) wakeRun(message.payload);
        });
        const held = client;
        client.on("error", (error) => dropListener(held, error));
        await client.query(`LISTEN ${channel}`);
        if (closed) {
          dropListener(client);
          return false;
        }
        listener = client;
        // Appends made before LISTEN took effect sent no notification this client saw: have readers look again.
        for (const runId of reading.keys()) wakeRun(runId);
        return true;
      } catch {
        if (client !== undefined) dropListener(client);
        else lastListenFailure = Date.now();
        listening = undefined;
        return false;
      }
    })();
    return listening;
  };

  let pollTimer: NodeJS.Timeout | undefined;
  let polling = false;
  const schedulePoll = () => {
    if (pollTimer !== undefined || polling || closed || waiting.size === 0) return;
    pollTimer = setTimeout(() => void poll(), listener === undefined ? pollMs : notifiedPollMs);
  };
  /** One query for every run a reader waits on: wakes those whose run moved past their cursor or finished. */
  const poll = async () => {
    pollTimer = undefined;
    polling = true;
    try {
      const { rows } = await pool.query<{ run_id: string; last_seq: string; finished: boolean }>(pollSql, [[...waiting.keys()]]);
      for (const row of rows) {
        for (const watch of [...(waiting.get(row.run_id) ?? [])]) {
          if (row.finished || Number(row.last_seq) > watch.cursor) watch.wake();
        }
      }
    } catch {
      // The readers' own queries report an outage; polling tries again.
    } finally {
      polling = false;
      schedulePoll();
    }
  };

  const subscribe = (runId: string, cursor: number) => (wake: () => void) => {
    let watches = waiting.get(runId);
    if (watches === undefined) waiting.set(runId, (watches = new Set()));
    const watch = { cursor, wake };
    watches.add(watch);
    schedulePoll();
    return () => {
      watches.delete(watch);
      if (watches.size === 0 && waiting.get(runId) === watches) waiting.delete(runId);
      if (waiting.size === 0) {
        clearTimeout(pollTimer);
        pollTimer = undefined;
      }
    };
  };

  /**
   * Readers of one run at the same position share one query: clients
   * joining the same run move in step, so this turns N queries per append
   * into about one.
   */
  const fetching = new Map<string, Fetch>();
  /** The run's events after `cursor`, with the run's notification count when the query was sent. */
  const fetchAfter = (runId: string, cursor: number, state: ReadingState): Fetch => {
    const key = `${runId}:${cursor}`;
    let fetch = fetching.get(key);
    if (fetch === undefined) {
      const rows = pool.query<ReadRow>(readSql, [runId, cursor, readBatch]).then((result) => result.rows);
      fetch = { rows, notificationsBefore: state.notifications };
      fetching.set(key, fetch);
      const forget = () => fetching.delete(key);
      rows.then(forget, forget);
    }
    return fetch;
  };

  const janitorIntervalMs = options.janitorIntervalMs ?? 60_000;
  const janitor =
    janitorIntervalMs > 0
      ? setInterval(() => {
          pool.query(sweepSql, [bounds.finishedTtlMs, bounds.abandonedTtlMs]).catch(() => {});
        }, janitorIntervalMs)
      : undefined;
  janitor?.unref();

  /** The run id in the form Postgres prints it, so notifications and poll rows match the readers' keys. */
  const canonical = (runId: string) => {
    if (!uuidPattern.test(runId)) throw new RangeError(`runId must be a UUID, got ${JSON.stringify(runId.slice(0, 64))}`);
    return runId.toLowerCase();
  };

  return {
    async append(givenRunId, events: readonly NewRunEvent[]) {
      const runId = canonical(givenRunId);
      const kept = events.slice(-bounds.maxEventsPerRun);
      const result = await pool.query(appendSql, [
        runId,
        events.length,
        events.length - kept.length,
        kept.map(({ event }) => event),
        kept.map(({ data }) => JSON.stringify(data ?? null)),
        bounds.maxEventsPerRun,
        channel,
      ]);
      if (result.rowCount === 0) throw new RunStreamFinishedError(runId);
    },

    async finish(givenRunId) {
      const runId = canonical(givenRunId);
      await pool.query(finishSql, [runId, channel]);
    },

    async *read(givenRunId, { afterId, signal }: ReadRunEventsOptions = {}): AsyncGenerator<RunEvent> {
      const runId = canonical(givenRunId);
      let cursor = afterId === undefined ? 0 : parseSeqId(afterId);
      if (cursor === undefined) throw new InvalidRunEventIdError("afterId");
      let state = reading.get(runId);
      if (state === undefined) reading.set(runId, (state = { readers: 0, notifications: 0 }));
      state.readers += 1;
      try {
        while (!closed && !signal?.aborted) {
          const fetch = fetchAfter(runId, cursor, state);
          const rows = await fetch.rows;
          const finished = rows[0]?.finished ?? false;
          const events = rows.filter((row) => row.seq !== null);
          for (const row of events) {
            if (signal?.aborted) return;
            cursor = Number(row.seq);
            yield { id: row.seq!, event: row.event!, data: JSON.parse(row.data!) };
          }
          if (events.length > 0) continue;
          if (finished) return;
          await ensureListening();
          if (state.notifications !== fetch.notificationsBefore) continue;
          await waitForWake(subscribe(runId, cursor), 60_000, signal);
        }
      } finally {
        state.readers -= 1;
        if (state.readers === 0) reading.delete(runId);
      }
    },

    async isFinished(givenRunId) {
      const runId = canonical(givenRunId);
      const result = await pool.query(isFinishedSql, [runId, bounds.finishedTtlMs]);
      return result.rowCount === 1;
    },

    async close() {
      closed = true;
      clearInterval(janitor);
      clearTimeout(pollTimer);
      const pendingListen = listening;
      if (pendingListen !== undefined) await pendingListen;
      if (listener !== undefined) dropListener(listener);
      wakeEveryone();
    },
  };
}
