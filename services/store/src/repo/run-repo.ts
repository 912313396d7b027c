import type { JsonObject } from "@gatehouse/filters";
import type pg from "pg";
import type { Access } from "../authorization.js";
import { query, withTransaction, type Database } from "../sql/database.js";
import { limitOffset } from "../sql/paging.js";
import { searchableSql, visibleSql } from "../sql/visible.js";
import { storedMetadata } from "../validate.js";

/** A runs row as Postgres returns it. */
export interface RunRow {
  run_id: string;
  thread_id: string;
  assistant_id: string;
  status: string;
  metadata: JsonObject;
  kwargs: JsonObject;
  multitask_strategy: string;
  created_at: Date;
  updated_at: Date;
}

const columnNames = ["run_id", "thread_id", "assistant_id", "status", "metadata", "kwargs", "multitask_strategy", "created_at", "updated_at"];
const columns = columnNames.join(", ");
const runColumns = columnNames.map((column) => `runs.${column}`).join(", ");

/** A new run; kwargs as JSON text. */
export interface NewRun {
  runId: string;
  threadId: string;
  assistantId: string;
  /** The request's metadata; what the handler left in its place is stored. */
  metadata: JsonObject | undefined;
  kwargsJson: string;
  multitaskStrategy: string;
  /** Seconds before a worker may start it (`not_before`). */
  afterSeconds: number;
}

/** How a run's thread is found: an existing visible thread, created when missing, or a new thread made for a thread-less run. */
export type RunThread = "existing" | "create-if-missing" | "new";

/** What creating a run did: the run, and the runs it stopped at once (pending runs of a busy thread), whose streams the caller finishes. */
export type CreatedRun = { outcome: "created"; run: RunRow; stopped: string[] } | { outcome: "not-found" } | { outcome: "busy" };

/** What cancelling did: the runs found (pending or running, on visible threads), those stopped at once, and those a worker was told to stop. */
export interface Cancelled {
  runs: RunRow[];
  /** Pending runs marked interrupted (or deleted, for rollback): no worker holds them, so their streams are finished by the caller. */
  stopped: string[];
  /** Running runs given a cancel_action and notified on gatehouse_run_cancel. */
  signalled: string[];
}

/** The cancel actions of LangGraph: interrupt keeps what the run wrote, rollback deletes the run and what it wrote. */
export type CancelAction = "interrupt" | "rollback";

const insertRun = `INSERT INTO runs (run_id, thread_id, assistant_id, metadata, kwargs, multitask_strategy, not_before)`;
const lockVisibleThread = (visible: string) => `SELECT thread_id FROM threads WHERE thread_id = $1 AND ${visible} FOR UPDATE`;

/**
 * Stops the given runs (locked by the caller): pending ones at once
 * (interrupted, or deleted for rollback), running ones by setting
 * cancel_action and notifying the workers, who stop them; the notification
 * goes out at commit.
 */
async function stopRuns(client: pg.PoolClient, runs: readonly { run_id: string; status: string }[], action: CancelAction): Promise<{ stopped: string[]; signalled: string[] }> {
  const pending = runs.filter((run) => run.status === "pending").map((run) => run.run_id);
  const running = runs.filter((run) => run.status === "running").map((run) => run.run_id);
  if (pending.length > 0) {
    await client.query(
      action === "rollback"
        ? "DELETE FROM runs WHERE run_id = ANY($1::uuid[]) AND status = 'pending'"
        : "UPDATE runs SET status = 'interrupted', updated_at = now() WHERE run_id = ANY($1::uuid[]) AND status = 'pending'",
      [pending],
    );
  }
  if (running.length > 0) {
    await client.query(
      `UPDATE runs SET cancel_action = $2, updated_at = now() WHERE run_id = ANY($1::uuid[]) AND status = 'running'
       RETURNING pg_notify('gatehouse_run_cancel', run_id::text)`,
      [running, action],
    );
  }
  return { stopped: pending, signalled: running };
}

/**
 * Runs a transaction again when Postgres broke a deadlock by aborting it
 * (SQLSTATE 40P01): it wrote nothing, and the second try meets a settled
 * queue. A run created while a worker ends another on the same thread can
 * meet one in a narrow window.
 */
async function retriedOnDeadlock<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || (error as { code?: unknown } | null)?.code !== "40P01") throw error;
    }
  }
}

/**
 * SQL for the runs table. Runs have no filter of their own: the parent
 * thread's filter decides, inside the same statement (README "Filters").
 */
export function createRunRepo(db: Database) {
  return {
    /**
     * Creates a pending run, in one transaction on the thread's row (locked,
     * so two creates on one thread are serialised): the thread must be
     * visible (or, for "create-if-missing", absent; it is then created with
     * the stamped metadata; a hidden one stays NOT_FOUND); when it has a
     * pending or running run, the multitask strategy decides: reject
     * answers "busy" and writes nothing, interrupt and rollback stop the
     * runs in flight, enqueue queues behind them.
     */
    async create(run: NewRun, thread: Access<"threads">, how: RunThread): Promise<CreatedRun> {
      const metadataJson = storedMetadata(thread, run.metadata);
      return retriedOnDeadlock(() => withTransaction(db, async (client) => {
        let stopped: string[] = [];
        if (how === "new") {
          await client.query("INSERT INTO threads (thread_id, metadata) VALUES ($1, $2::jsonb)", [run.threadId, metadataJson]);
        } else {
          const params: unknown[] = [run.threadId];
          const visibleThread = visibleSql(thread, params, "threads.metadata");
          // Runs before their thread, the order in which workers lock them when a run ends, so the two never deadlock.
          await client.query(
            `SELECT runs.run_id FROM runs JOIN threads ON threads.thread_id = runs.thread_id
             WHERE runs.thread_id = $1 AND runs.status IN ('pending', 'running') AND ${visibleThread} FOR UPDATE OF runs`,
            params,
          );
          const lock = lockVisibleThread(visibleThread);
          let visible = (await client.query(lock, params)).rows.length > 0;
          if (!visible && how === "create-if-missing") {
            const inserted = await client.query("INSERT INTO threads (thread_id, metadata) VALUES ($1, $2::jsonb) ON CONFLICT (thread_id) DO NOTHING RETURNING thread_id", [
              run.threadId,
              metadataJson,
            ]);
            // Created by a concurrent request in the meantime: visible or not, as any existing thread.
            visible = inserted.rows.length > 0 || (await client.query(lock, params)).rows.length > 0;
          }
          if (!visible) return { outcome: "not-found" };
          // Only a strategy that stops the runs in flight locks them. Reject and enqueue only need to know of
          // them, and the thread's lock already orders creates; locking here, after the thread, would reverse
          // the runs-then-thread order for runs committed since the first statement, and deadlock with a
          // create that locked them first.
          const stopAction: CancelAction | undefined =
            run.multitaskStrategy === "interrupt" || run.multitaskStrategy === "rollback" ? run.multitaskStrategy : undefined;
          const inFlight = await client.query<{ run_id: string; status: string }>(
            `SELECT run_id, status FROM runs WHERE thread_id = $1 AND status IN ('pending', 'running')${stopAction ? " FOR UPDATE" : ""}`,
            [run.threadId],
          );
          if (inFlight.rows.length > 0) {
            if (run.multitaskStrategy === "reject") return { outcome: "busy" };
            if (stopAction) stopped = (await stopRuns(client, inFlight.rows, stopAction)).stopped;
          }
        }
        const { rows } = await client.query<RunRow>(
          `${insertRun} VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, now() + make_interval(secs => $7::double precision)) RETURNING ${columns}`,
          [run.runId, run.threadId, run.assistantId, metadataJson, run.kwargsJson, run.multitaskStrategy, run.afterSeconds],
        );
        return { outcome: "created", run: rows[0]!, stopped };
      }));
    },

    /**
     * Cancels pending and running runs on threads the caller's access lets it
     * see, in one transaction: the runs are chosen and locked by one
     * statement carrying the filter, so runs of hidden threads are neither
     * touched nor counted. `which` names runs of one thread, or every run
     * with a status.
     */
    async cancel(
      which: { threadId: string; runIds: readonly string[] } | { statuses: readonly ("pending" | "running")[] },
      action: CancelAction,
      thread: Access<"threads">,
    ): Promise<Cancelled> {
      return withTransaction(db, async (client) => {
        const params: unknown[] = [];
        const scope =
          "threadId" in which
            ? `runs.thread_id = $${params.push(which.threadId)} AND runs.run_id = ANY($${params.push(which.runIds)}::uuid[]) AND runs.status IN ('pending', 'running')`
            : `runs.status = ANY($${params.push(which.statuses)}::text[])`;
        const visible = searchableSql(thread, params, "threads.metadata");
        const { rows } = await client.query<RunRow>(
          `SELECT ${runColumns} FROM runs JOIN threads ON threads.thread_id = runs.thread_id
           WHERE ${scope} AND ${visible}
           ORDER BY runs.run_id FOR UPDATE OF runs`,
          params,
        );
        return { runs: rows, ...(await stopRuns(client, rows, action)) };
      });
    },

    /**
     * The values of a visible thread, for the output of a run that ended on
     * it; undefined when the thread is missing or hidden (or was deleted
     * with its thread-less run).
     */
    async threadValues(threadId: string, thread: Access<"threads">): Promise<JsonObject | undefined> {
      const params: unknown[] = [threadId];
      const visible = visibleSql(thread, params, "threads.metadata");
      const rows = await query<{ values: JsonObject }>(db, `SELECT threads."values" FROM threads WHERE threads.thread_id = $1 AND ${visible}`, params, "by-key");
      return rows[0]?.values;
    },

    /** The run, if it exists on that thread and the caller's access lets it see the thread. */
    async get(threadId: string, runId: string, thread: Access<"threads">): Promise<RunRow | undefined> {
      const params: unknown[] = [threadId, runId];
      const visible = visibleSql(thread, params, "threads.metadata");
      const rows = await query<RunRow>(
        db,
        `SELECT ${runColumns} FROM runs JOIN threads ON threads.thread_id = runs.thread_id
         WHERE runs.thread_id = $1 AND runs.run_id = $2 AND ${visible}`,
        params,
        "by-key",
      );
      return rows[0];
    },

    /**
     * One page of a visible thread's runs, newest first, in one statement:
     * undefined when the thread is missing or hidden, an empty page when it
     * has no such runs.
     */
    async list(threadId: string, status: string | undefined, limit: number, offset: number, thread: Access<"threads">): Promise<RunRow[] | undefined> {
      const params: unknown[] = [threadId];
      const visible = visibleSql(thread, params, "threads.metadata");
      const byStatus = status === undefined ? "" : ` AND runs.status = $${params.push(status)}`;
      const rows = await query<{ [K in keyof RunRow]: RunRow[K] | null }>(
        db,
        `SELECT ${runColumns} FROM threads
         LEFT JOIN LATERAL (
           SELECT * FROM runs WHERE runs.thread_id = threads.thread_id${byStatus}
           ORDER BY runs.created_at DESC, runs.run_id DESC ${limitOffset(params, limit, offset)}
         ) runs ON TRUE
         WHERE threads.thread_id = $1 AND ${visible}`,
        params,
        "by-key",
      );
      if (rows.length === 0) return undefined;
      return rows.filter((row): row is RunRow => row.run_id !== null);
    },

    /** Deletes a run of a visible thread; false when it is missing or hidden. */
    async delete(threadId: string, runId: string, thread: Access<"threads">): Promise<boolean> {
      const params: unknown[] = [threadId, runId];
      const visible = visibleSql(thread, params, "threads.metadata");
      const rows = await query(
        db,
        `DELETE FROM runs USING threads WHERE runs.thread_id = $1 AND runs.run_id = $2 AND threads.thread_id = runs.thread_id AND ${visible}
         RETURNING runs.run_id`,
        params,
        "by-key",
      );
      return rows.length > 0;
    },
  };
}

export type RunRepo = ReturnType<typeof createRunRepo>;
