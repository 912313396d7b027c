import type { FilterExpr, JsonObject } from "@gatehouse/filters";
import { query, type Database } from "../sql/database.js";
import { limitOffset } from "../sql/paging.js";
import { countWhere, deleteVisible, selectVisible, type GuardedTable } from "../sql/visible-rows.js";
import { visibleSql } from "../sql/metadata-indexes.js";

/** A crons row as Postgres returns it. */
export interface CronRow {
  cron_id: string;
  thread_id: string | null;
  assistant_id: string;
  schedule: string;
  payload: JsonObject;
  metadata: JsonObject;
  end_time: Date | null;
  created_at: Date;
  updated_at: Date;
}

const columns = "cron_id, thread_id, assistant_id, schedule, payload, metadata, end_time, created_at, updated_at";
const table: GuardedTable = { name: "crons", idColumn: "cron_id", columns };

/** A new cron; JSON fields as JSON text. */
export interface NewCron {
  cronId: string;
  threadId: string | undefined;
  assistantId: string;
  schedule: string;
  payloadJson: string;
  metadataJson: string;
  endTime: Date | undefined;
}

/** What a cron search or count narrows by, besides the caller's filter. */
export interface CronCriteria {
  assistantId: string | undefined;
  threadId: string | undefined;
}

function where(criteria: CronCriteria, filter: FilterExpr, params: unknown[]): string {
  const conditions = [visibleSql("crons", filter, params)];
  if (criteria.assistantId !== undefined) conditions.push(`assistant_id = $${params.push(criteria.assistantId)}`);
  if (criteria.threadId !== undefined) conditions.push(`thread_id = $${params.push(criteria.threadId)}::uuid`);
  return conditions.join(" AND ");
}

/** SQL for the crons table. Every statement on an existing row takes the caller's filter. */
export function createCronRepo(db: Database) {
  return {
    /**
     * Inserts a cron. A thread-bound cron is inserted only if the thread
     * filter lets the caller see that thread; undefined otherwise.
     */
    async insert(cron: NewCron, threadFilter: FilterExpr): Promise<CronRow | undefined> {
      const params: unknown[] = [cron.cronId, cron.threadId ?? null, cron.assistantId, cron.schedule, cron.payloadJson, cron.metadataJson, cron.endTime ?? null];
      const threadVisible =
        cron.threadId === undefined
          ? "TRUE"
          : `EXISTS (SELECT 1 FROM threads WHERE threads.thread_id = $2::uuid AND ${visibleSql("threads", threadFilter, params, "threads.metadata")})`;
      const rows = await query<CronRow>(
        db,
        `INSERT INTO crons (cron_id, thread_id, assistant_id, schedule, payload, metadata, end_time)
         SELECT $1, $2::uuid, $3, $4, $5::jsonb, $6::jsonb, $7::timestamptz WHERE ${threadVisible}
         RETURNING ${columns}`,
        params,
      );
      return rows[0];
    },

    /** The cron, if it exists and the filter lets the caller see it. */
    get(cronId: string, filter: FilterExpr): Promise<CronRow | undefined> {
      return selectVisible<CronRow>(db, table, cronId, filter);
    },

    /** Changes a visible cron's schedule and payload; undefined when it is missing or hidden. */
    async update(cronId: string, schedule: string | undefined, payloadJson: string | undefined, filter: FilterExpr): Promise<CronRow | undefined> {
      const params: unknown[] = [cronId, schedule ?? null, payloadJson ?? null];
      const visible = visibleSql("crons", filter, params);
      const rows = await query<CronRow>(
        db,
        `UPDATE crons SET schedule = COALESCE($2, schedule), payload = COALESCE($3::jsonb, payload), updated_at = now()
         WHERE cron_id = $1 AND ${visible} RETURNING ${columns}`,
        params,
      );
      return rows[0];
    },

    /** Deletes a visible cron; false when it is missing or hidden. */
    delete(cronId: string, filter: FilterExpr): Promise<boolean> {
      return deleteVisible(db, table, cronId, filter);
    },

    /** One page of the visible crons that match, newest first. */
    async search(criteria: CronCriteria, limit: number, offset: number, filter: FilterExpr): Promise<CronRow[]> {
      const params: unknown[] = [];
      const conditions = where(criteria, filter, params);
      return query<CronRow>(
        db,
        `SELECT ${columns} FROM crons WHERE ${conditions} ORDER BY created_at DESC, cron_id DESC ${limitOffset(params, limit, offset)}`,
        params,
      );
    },

    /** How many visible crons match. */
    count(criteria: CronCriteria, filter: FilterExpr): Promise<number> {
      return countWhere(db, table, (params) => where(criteria, filter, params));
    },
  };
}

export type CronRepo = ReturnType<typeof createCronRepo>;
