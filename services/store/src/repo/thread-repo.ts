import type { FilterExpr, JsonObject } from "@gatehouse/filters";
import { query, type Database } from "../sql/database.js";
import { limitOffset, orderBy, type SortField, type SortOrder } from "../sql/paging.js";
import { countWhere, deleteVisible, selectVisible, type GuardedTable } from "../sql/visible-rows.js";
import { visibleSql } from "../sql/metadata-indexes.js";

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
const table: GuardedTable = { name: "threads", idColumn: "thread_id", columns };

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

function where(criteria: ThreadCriteria, filter: FilterExpr, params: unknown[]): string {
  const conditions = [visibleSql("threads", filter, params)];
  if (criteria.metadataJson !== undefined) conditions.push(`metadata @> $${params.push(criteria.metadataJson)}::jsonb`);
  if (criteria.status !== undefined) conditions.push(`status = $${params.push(criteria.status)}`);
  if (criteria.ids !== undefined) conditions.push(`thread_id = ANY($${params.push(criteria.ids)}::uuid[])`);
  return conditions.join(" AND ");
}

/**
 * SQL for the threads table. Every statement that touches an existing row
 * takes the caller's filter into its WHERE clause, so what the filter hides
 * is never read, changed or counted (README "Errors").
 */
export function createThreadRepo(db: Database) {
  return {
    /** Inserts a thread; undefined when the id is taken. */
    async insert(threadId: string, metadataJson: string, copyOf?: ThreadRow): Promise<ThreadRow | undefined> {
      const rows = await query<ThreadRow>(
        db,
        `INSERT INTO threads (thread_id, metadata, status, "values") VALUES ($1, $2::jsonb, $3, $4::jsonb)
         ON CONFLICT (thread_id) DO NOTHING RETURNING ${columns}`,
        [threadId, metadataJson, copyOf?.status ?? "idle", JSON.stringify(copyOf?.values ?? {})],
      );
      return rows[0];
    },

    /** The thread, if it exists and the filter lets the caller see it. */
    get(threadId: string, filter: FilterExpr): Promise<ThreadRow | undefined> {
      return selectVisible<ThreadRow>(db, table, threadId, filter);
    },

    /** Shallow-merges metadata into a visible thread; undefined when it is missing or hidden. */
    async mergeMetadata(threadId: string, patchJson: string, filter: FilterExpr): Promise<ThreadRow | undefined> {
      const params: unknown[] = [threadId, patchJson];
      const visible = visibleSql("threads", filter, params);
      const rows = await query<ThreadRow>(
        db,
        `UPDATE threads SET metadata = metadata || $2::jsonb, updated_at = now() WHERE thread_id = $1 AND ${visible} RETURNING ${columns}`,
        params,
      );
      return rows[0];
    },

    /** Deletes a visible thread and its runs; false when it is missing or hidden. */
    delete(threadId: string, filter: FilterExpr): Promise<boolean> {
      return deleteVisible(db, table, threadId, filter);
    },

    /** One page of the visible threads that match. */
    async search(criteria: ThreadCriteria, page: ThreadPage, filter: FilterExpr): Promise<ThreadRow[]> {
      const params: unknown[] = [];
      const conditions = where(criteria, filter, params);
      return query<ThreadRow>(
        db,
        `SELECT ${columns} FROM threads WHERE ${conditions} ${orderBy(page.sortBy, page.sortOrder, "thread_id")} ${limitOffset(params, page.limit, page.offset)}`,
        params,
      );
    },

    /** How many visible threads match. */
    count(criteria: ThreadCriteria, filter: FilterExpr): Promise<number> {
      return countWhere(db, table, (params) => where(criteria, filter, params));
    },
  };
}

export type ThreadRepo = ReturnType<typeof createThreadRepo>;
