import type { JsonObject } from "@gatehouse/filters";
import type { Access } from "../authorization.js";
import { byKey } from "../sql/coalesced-statements.js";
import { query, type Database } from "../sql/database.js";
import { limitOffset, orderBy, type SortField, type SortOrder } from "../sql/paging.js";
import { storedMetadata } from "../validate.js";
import { countWhere, deleteVisible, searchableSql, selectVisible, visibleSql, type GuardedTable } from "../sql/visible.js";

/** A threads row as Postgres returns it. */
export interface ThreadRow {
  thread_id: string;
  metadata: JsonObject;
  status: string;
  values: JsonObject;
  created_at: Date;
  updated_at: Date;
}

const columns = `thread_id, metadata, status, "values", created_at, updated_at`;
const table: GuardedTable<"threads", ThreadRow> = { resource: "threads", name: "threads", idColumn: "thread_id", columns };
/** The key coalesced statements answer a row by (Postgres writes uuids in lower case). */
const threadIdOf = (row: ThreadRow) => row.thread_id;

/** What says which graph a thread runs (see ThreadRepo.graphOf). */
export interface ThreadGraph {
  runAssistantId: string | null;
  runGraphId: string | null;
  metadataGraphId: string | null;
  /** Whether anything may have written checkpoints: a run left pending, or the thread has a graph_id or values. */
  executed: boolean;
}

/** What a thread search or count narrows by, besides the caller's filter. */
export interface ThreadCriteria {
  metadataJson: string | undefined;
  status: string | undefined;
  ids?: string[] | undefined;
}

/** One page of a thread search. */
export interface ThreadPage {
  limit: number;
  offset: number;
  sortBy: SortField;
  sortOrder: SortOrder;
}

function where(criteria: ThreadCriteria, access: Access<"threads">, params: unknown[]): string {
  const conditions = [searchableSql(access, params)];
  if (criteria.metadataJson !== undefined) conditions.push(`metadata @> $${params.push(criteria.metadataJson)}::jsonb`);
  if (criteria.status !== undefined) conditions.push(`status = $${params.push(criteria.status)}`);
  if (criteria.ids !== undefined) conditions.push(`thread_id = ANY($${params.push(criteria.ids)}::uuid[])`);
  return conditions.join(" AND ");
}

/**
 * SQL for the threads table. Every statement that touches an existing row
 * takes the caller's Access into its WHERE clause (sql/visible.ts), so what
 * the handler's filter hides is never read, changed or counted (README "Errors").
 */
export function createThreadRepo(db: Database) {
  return {
    /**
     * Inserts a thread with the metadata the caller's threads:create handler
     * left (or the request's); undefined when the id is taken.
     */
    async insert(threadId: string, access: Access<"threads">, requestedMetadata: JsonObject | undefined, copyOf?: ThreadRow): Promise<ThreadRow | undefined> {
      const metadataJson = storedMetadata(access, requestedMetadata);
      return byKey<ThreadRow>(
        db,
        {
          text: `INSERT INTO threads (thread_id, metadata, status, "values")
                 SELECT * FROM unnest($1::uuid[], $2::jsonb[], $3::text[], $4::jsonb[])
                 ON CONFLICT (thread_id) DO NOTHING RETURNING ${columns}`,
          shared: [],
          keyOf: threadIdOf,
        },
        threadId.toLowerCase(),
        [threadId, metadataJson, copyOf?.status ?? "idle", JSON.stringify(copyOf?.values ?? {})],
      );
    },

    /** The thread, if it exists and the caller's access lets it see it. */
    get(threadId: string, access: Access<"threads">): Promise<ThreadRow | undefined> {
      return selectVisible(db, table, threadId, access);
    },

    /** Shallow-merges metadata into a visible thread; undefined when it is missing or hidden. */
    async mergeMetadata(threadId: string, access: Access<"threads">, requestedPatch: JsonObject | undefined): Promise<ThreadRow | undefined> {
      const params: unknown[] = [undefined, undefined];
      const visible = visibleSql(access, params);
      return byKey<ThreadRow>(
        db,
        {
          text: `UPDATE threads SET metadata = metadata || patch_metadata, updated_at = now()
                 FROM unnest($1::uuid[], $2::jsonb[]) AS patch(patch_thread_id, patch_metadata)
                 WHERE thread_id = patch_thread_id AND ${visible} RETURNING ${columns}`,
          shared: params.slice(2),
          keyOf: threadIdOf,
        },
        threadId.toLowerCase(),
        [threadId, storedMetadata(access, requestedPatch)],
      );
    },

    /** Deletes a visible thread and its runs; false when it is missing or hidden. */
    delete(threadId: string, access: Access<"threads">): Promise<boolean> {
      return deleteVisible(db, table, threadId, access);
    },

    /**
     * What says which graph a visible thread runs, read in one statement: its
     * latest run's assistant id and that assistant's graph (null when the run
     * named a graph or a default assistant that has no row), and the
     * `graph_id` LangGraph stamps in a thread's metadata when a run is
     * created on it. Undefined when the thread is missing or hidden.
     */
    async graphOf(threadId: string, access: Access<"threads">): Promise<ThreadGraph | undefined> {
      const params: unknown[] = [threadId];
      const visible = visibleSql(access, params, "t.metadata");
      const rows = await query<{ run_assistant_id: string | null; run_graph_id: string | null; metadata_graph_id: string | null; executed: boolean }>(
        db,
        `SELECT latest.assistant_id AS run_assistant_id, latest.graph_id AS run_graph_id, t.metadata ->> 'graph_id' AS metadata_graph_id,
                (EXISTS (SELECT 1 FROM runs r WHERE r.thread_id = t.thread_id AND r.status <> 'pending') OR t.metadata ? 'graph_id' OR t."values" <> '{}'::jsonb) AS executed
         FROM threads t
         LEFT JOIN LATERAL (
           SELECT r.assistant_id, a.graph_id FROM runs r LEFT JOIN assistants a ON a.assistant_id::text = r.assistant_id
           WHERE r.thread_id = t.thread_id ORDER BY r.created_at DESC, r.run_id DESC LIMIT 1
         ) latest ON TRUE
         WHERE t.thread_id = $1 AND ${visible}`,
        params,
        "by-key",
      );
      const row = rows[0];
      return row === undefined
        ? undefined
        : { runAssistantId: row.run_assistant_id, runGraphId: row.run_graph_id, metadataGraphId: row.metadata_graph_id, executed: row.executed };
    },

    /** The ids among `threadIds` of the threads the caller's access lets it see. */
    async visibleIds(threadIds: readonly string[], access: Access<"threads">): Promise<string[]> {
      const params: unknown[] = [threadIds];
      const visible = visibleSql(access, params);
      const rows = await query<{ thread_id: string }>(db, `SELECT thread_id FROM threads WHERE thread_id = ANY($1::uuid[]) AND ${visible} ORDER BY thread_id`, params, "by-key");
      return rows.map((row) => row.thread_id);
    },

    /** Deletes the visible threads among `threadIds`, with their runs, in one statement; returns the ids deleted. */
    async deleteMany(threadIds: readonly string[], access: Access<"threads">): Promise<string[]> {
      const params: unknown[] = [threadIds];
      const visible = visibleSql(access, params);
      const rows = await query<{ thread_id: string }>(db, `DELETE FROM threads WHERE thread_id = ANY($1::uuid[]) AND ${visible} RETURNING thread_id`, params, "by-key");
      return rows.map((row) => row.thread_id);
    },

    /**
     * The ids of the visible threads that ran an assistant: a run of theirs
     * names it, or their metadata does (`assistant_id`, which LangGraph
     * stamps when a run is created).
     */
    async ranAssistant(assistantId: string, access: Access<"threads">): Promise<string[]> {
      const params: unknown[] = [assistantId];
      const visible = visibleSql(access, params, "t.metadata");
      const rows = await query<{ thread_id: string }>(
        db,
        `SELECT t.thread_id FROM threads t
         WHERE (EXISTS (SELECT 1 FROM runs r WHERE r.thread_id = t.thread_id AND r.assistant_id = $1) OR t.metadata ->> 'assistant_id' = $1)
           AND ${visible}`,
        params,
        "by-parameters",
      );
      return rows.map((row) => row.thread_id);
    },

    /** One page of the visible threads that match. */
    async search(criteria: ThreadCriteria, page: ThreadPage, access: Access<"threads">): Promise<ThreadRow[]> {
      const params: unknown[] = [];
      const conditions = where(criteria, access, params);
      return query<ThreadRow>(
        db,
        `SELECT ${columns} FROM threads WHERE ${conditions} ${orderBy(page.sortBy, page.sortOrder, "thread_id")} ${limitOffset(params, page.limit, page.offset)}`,
        params,
        "by-parameters",
      );
    },

    /** How many visible threads match. */
    count(criteria: ThreadCriteria, access: Access<"threads">): Promise<number> {
      return countWhere(db, table, (params) => where(criteria, access, params));
    },
  };
}

export type ThreadRepo = ReturnType<typeof createThreadRepo>;
