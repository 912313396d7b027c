import { compileFilter, type FilterExpr, type JsonObject } from "@gatehouse/filters";
import { query, type Database } from "../sql/database.js";

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

const columns = "run_id, thread_id, assistant_id, status, metadata, kwargs, multitask_strategy, created_at, updated_at";

/** A new run; JSON fields as JSON text. */
export interface NewRun {
  runId: string;
  threadId: string;
  assistantId: string;
  metadataJson: string;
  kwargsJson: string;
  multitaskStrategy: string;
}

/**
 * SQL for the runs table. Runs have no filter of their own: the parent
 * thread's filter decides, in the same statement (SPEC §5).
 */
export function createRunRepo(db: Database) {
  return {
    /** Inserts a pending run on the thread if the filter lets the caller see the thread; undefined otherwise. */
    async insertOnVisibleThread(run: NewRun, threadFilter: FilterExpr): Promise<RunRow | undefined> {
      const params: unknown[] = [run.runId, run.threadId, run.assistantId, run.metadataJson, run.kwargsJson, run.multitaskStrategy];
      const visible = compileFilter(threadFilter, { column: "threads.metadata", params });
      const rows = await query<RunRow>(
        db,
        `INSERT INTO runs (run_id, thread_id, assistant_id, metadata, kwargs, multitask_strategy)
         SELECT $1, threads.thread_id, $3, $4::jsonb, $5::jsonb, $6 FROM threads WHERE threads.thread_id = $2 AND ${visible}
         RETURNING ${columns}`,
        params,
      );
      return rows[0];
    },

    /** The run, if it exists on that thread and the filter lets the caller see the thread. */
    async get(threadId: string, runId: string, threadFilter: FilterExpr): Promise<RunRow | undefined> {
      const params: unknown[] = [threadId, runId];
      const visible = compileFilter(threadFilter, { column: "threads.metadata", params });
      const rows = await query<RunRow>(
        db,
        `SELECT ${columns.split(", ").map((column) => `runs.${column}`).join(", ")}
         FROM runs JOIN threads ON threads.thread_id = runs.thread_id
         WHERE runs.thread_id = $1 AND runs.run_id = $2 AND ${visible}`,
        params,
      );
      return rows[0];
    },
  };
}

export type RunRepo = ReturnType<typeof createRunRepo>;
