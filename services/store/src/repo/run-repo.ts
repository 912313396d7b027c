import type { FilterExpr, JsonObject } from "@gatehouse/filters";
import { query, withTransaction, type Database } from "../sql/database.js";
import { limitOffset } from "../sql/paging.js";
import { visibleSql } from "../sql/metadata-indexes.js";

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

/** A new run; JSON fields as JSON text. */
export interface NewRun {
  runId: string;
  threadId: string;
  assistantId: string;
  metadataJson: string;
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
    /** Inserts a pending run on the thread if the filter lets the caller see the thread; undefined otherwise. */
    async insertOnVisibleThread(run: NewRun, threadFilter: FilterExpr): Promise<RunRow | undefined> {
      const params: unknown[] = [run.runId, run.threadId, run.assistantId, run.metadataJson, run.kwargsJson, run.multitaskStrategy];
      const visible = visibleSql("threads", threadFilter, params, "threads.metadata");
      const rows = await query<RunRow>(
        db,
        `${insertRun} SELECT $1, threads.thread_id, $3, $4::jsonb, $5::jsonb, $6 FROM threads WHERE threads.thread_id = $2 AND ${visible}
         RETURNING ${columns}`,
        params,
      );
      return rows[0];
    },

    /** Creates a thread and its first run together, for a run requested without a thread. */
    async insertWithNewThread(run: NewRun, threadMetadataJson: string): Promise<RunRow> {
      return withTransaction(db, async (client) => {
        await client.query("INSERT INTO threads (thread_id, metadata) VALUES ($1, $2::jsonb)", [run.threadId, threadMetadataJson]);
        const { rows } = await client.query<RunRow>(`${insertRun} VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6) RETURNING ${columns}`, [
          run.runId,
          run.threadId,
          run.assistantId,
          run.metadataJson,
          run.kwargsJson,
          run.multitaskStrategy,
        ]);
        return rows[0]!;
      });
    },

    /** The run, if it exists on that thread and the filter lets the caller see the thread. */
    async get(threadId: string, runId: string, threadFilter: FilterExpr): Promise<RunRow | undefined> {
      const params: unknown[] = [threadId, runId];
      const visible = visibleSql("threads", threadFilter, params, "threads.metadata");
      const rows = await query<RunRow>(
        db,
        `SELECT ${runColumns} FROM runs JOIN threads ON threads.thread_id = runs.thread_id
         WHERE runs.thread_id = $1 AND runs.run_id = $2 AND ${visible}`,
        params,
      );
      return rows[0];
    },

    /** One page of a thread's runs, newest first; the caller checks the thread is visible. */
    async list(threadId: string, status: string | undefined, limit: number, offset: number): Promise<RunRow[]> {
      const params: unknown[] = [threadId];
      const byStatus = status === undefined ? "" : ` AND status = $${params.push(status)}`;
      return query<RunRow>(
        db,
        `SELECT ${columns} FROM runs WHERE thread_id = $1${byStatus} ORDER BY created_at DESC, run_id DESC ${limitOffset(params, limit, offset)}`,
        params,
      );
    },

    /** Marks a pending or running run of a visible thread interrupted; undefined when there is none such. */
    async cancel(threadId: string, runId: string, threadFilter: FilterExpr): Promise<RunRow | undefined> {
      const params: unknown[] = [threadId, runId];
      const visible = visibleSql("threads", threadFilter, params, "threads.metadata");
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
    async delete(threadId: string, runId: string, threadFilter: FilterExpr): Promise<boolean> {
      const params: unknown[] = [threadId, runId];
      const visible = visibleSql("threads", threadFilter, params, "threads.metadata");
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
