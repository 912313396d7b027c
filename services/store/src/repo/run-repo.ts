import type { JsonObject } from "@gatehouse/filters";
import type { Access } from "../authorization.js";
import { query, withTransaction, type Database } from "../sql/database.js";
import { limitOffset } from "../sql/paging.js";
import { visibleSql } from "../sql/visible.js";
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
}

const insertRun = `INSERT INTO runs (run_id, thread_id, assistant_id, metadata, kwargs, multitask_strategy)`;

/**
 * SQL for the runs table. Runs have no filter of their own: the parent
 * thread's filter decides, inside the same statement (README "Filters").
 */
export function createRunRepo(db: Database) {
  return {
    /** Inserts a pending run on the thread if the caller's access lets it see the thread; undefined otherwise. */
    async insertOnVisibleThread(run: NewRun, thread: Access<"threads">): Promise<RunRow | undefined> {
      const params: unknown[] = [run.runId, run.threadId, run.assistantId, storedMetadata(thread, run.metadata), run.kwargsJson, run.multitaskStrategy];
      const visible = visibleSql(thread, params, "threads.metadata");
      const rows = await query<RunRow>(
        db,
        `${insertRun} SELECT $1, threads.thread_id, $3, $4::jsonb, $5::jsonb, $6 FROM threads WHERE threads.thread_id = $2 AND ${visible}
         RETURNING ${columns}`,
        params,
      );
      return rows[0];
    },

    /**
     * Creates a thread and its first run together, for a run requested
     * without a thread (threads:create_run); the thread takes the run's metadata.
     */
    async insertWithNewThread(run: NewRun, thread: Access<"threads">): Promise<RunRow> {
      const metadataJson = storedMetadata(thread, run.metadata);
      return withTransaction(db, async (client) => {
        await client.query("INSERT INTO threads (thread_id, metadata) VALUES ($1, $2::jsonb)", [run.threadId, metadataJson]);
        const { rows } = await client.query<RunRow>(`${insertRun} VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6) RETURNING ${columns}`, [
          run.runId,
          run.threadId,
          run.assistantId,
          metadataJson,
          run.kwargsJson,
          run.multitaskStrategy,
        ]);
        return rows[0]!;
      });
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
      );
      if (rows.length === 0) return undefined;
      return rows.filter((row): row is RunRow => row.run_id !== null);
    },

    /** Marks a pending or running run of a visible thread interrupted; undefined when there is none such. */
    async cancel(threadId: string, runId: string, thread: Access<"threads">): Promise<RunRow | undefined> {
      const params: unknown[] = [threadId, runId];
      const visible = visibleSql(thread, params, "threads.metadata");
      const rows = await query<RunRow>(
        db,
        `UPDATE runs SET status = 'interrupted', updated_at = now() FROM threads
         WHERE runs.thread_id = $1 AND runs.run_id = $2 AND threads.thread_id = runs.thread_id AND ${visible}
           AND runs.status IN ('pending', 'running')
         RETURNING ${runColumns}`,
        params,
      );
      return rows[0];
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
      );
      return rows.length > 0;
    },
  };
}

export type RunRepo = ReturnType<typeof createRunRepo>;
