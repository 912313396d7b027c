import { compileFilter, type FilterExpr, type JsonObject } from "@gatehouse/filters";
import { query, type Database } from "../sql/database.js";

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

/** What a thread search narrows by, besides the caller's filter. */
export interface ThreadSearch {
  metadataJson: string | undefined;
  status: string | undefined;
  ids: string[] | undefined;
  limit: number;
  offset: number;
}

/** SQL for the threads table. Every read takes the caller's filter into the same statement. */
export function createThreadRepo(db: Database) {
  return {
    /** Inserts a thread; undefined when the id is taken. */
    async insert(threadId: string, metadataJson: string): Promise<ThreadRow | undefined> {
      const rows = await query<ThreadRow>(
        db,
        `INSERT INTO threads (thread_id, metadata) VALUES ($1, $2::jsonb) ON CONFLICT (thread_id) DO NOTHING RETURNING ${columns}`,
        [threadId, metadataJson],
      );
      return rows[0];
    },

    /** The thread, if it exists and the filter lets the caller see it. */
    async get(threadId: string, filter: FilterExpr): Promise<ThreadRow | undefined> {
      const params: unknown[] = [threadId];
      const visible = compileFilter(filter, { column: "metadata", params });
      const rows = await query<ThreadRow>(db, `SELECT ${columns} FROM threads WHERE thread_id = $1 AND ${visible}`, params);
      return rows[0];
    },

    /** One page of the threads the filter lets the caller see, newest first. */
    async search(search: ThreadSearch, filter: FilterExpr): Promise<ThreadRow[]> {
      const params: unknown[] = [];
      const conditions = [compileFilter(filter, { column: "metadata", params })];
      if (search.metadataJson !== undefined) conditions.push(`metadata @> $${params.push(search.metadataJson)}::jsonb`);
      if (search.status !== undefined) conditions.push(`status = $${params.push(search.status)}`);
      if (search.ids !== undefined) conditions.push(`thread_id = ANY($${params.push(search.ids)}::uuid[])`);
      const limit = `$${params.push(search.limit)}`;
      const offset = `$${params.push(search.offset)}`;
      return query<ThreadRow>(
        db,
        `SELECT ${columns} FROM threads WHERE ${conditions.join(" AND ")} ORDER BY created_at DESC, thread_id LIMIT ${limit} OFFSET ${offset}`,
        params,
      );
    },
  };
}

export type ThreadRepo = ReturnType<typeof createThreadRepo>;
