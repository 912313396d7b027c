import type { JsonObject } from "@gatehouse/filters";
import type { UserRecord } from "@gatehouse/identity";
import type { Access } from "../authorization.js";
import { query, type Database } from "../sql/database.js";
import { limitOffset } from "../sql/paging.js";
import { countWhere, deleteVisible, searchableSql, selectVisible, visibleSql, type GuardedTable } from "../sql/visible.js";
import { storedMetadata } from "../validate.js";

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
  /** When it is due next; null when it never fires again. */
  next_run_date: Date | null;
  /** The owner's identity; null for a cron made before owners were recorded. */
  user_id: string | null;
}

// The owner's full record stays in the database: clients see only its identity.
const columns = "cron_id, thread_id, assistant_id, schedule, payload, metadata, end_time, created_at, updated_at, next_run_date, owner ->> 'identity' AS user_id";
const table: GuardedTable<"crons", CronRow> = { resource: "crons", name: "crons", idColumn: "cron_id", columns };

/** A new cron; JSON fields as JSON text. */
export interface NewCron {
  cronId: string;
  threadId: string | undefined;
  assistantId: string;
  schedule: string;
  payloadJson: string;
  /** The request's metadata; what the handler left in its place is stored. */
  metadata: JsonObject | undefined;
  endTime: Date | undefined;
  /** The caller who creates it, whom its firings run as. */
  owner: UserRecord;
  /** Its first firing; undefined when it has none before endTime. */
  nextRunDate: Date | undefined;
}

/** What a cron search or count narrows by, besides the caller's filter. */
export interface CronCriteria {
  assistantId: string | undefined;
  threadId: string | undefined;
}

function where(criteria: CronCriteria, access: Access<"crons">, params: unknown[]): string {
  const conditions = [searchableSql(access, params)];
  if (criteria.assistantId !== undefined) conditions.push(`assistant_id = $${params.push(criteria.assistantId)}`);
  if (criteria.threadId !== undefined) conditions.push(`thread_id = $${params.push(criteria.threadId)}::uuid`);
  return conditions.join(" AND ");
}

/** SQL for the crons table. Every statement on an existing row takes the caller's filter. */
export function createCronRepo(db: Database) {
  return {
    /**
     * Inserts a cron with the metadata its crons:create handler left. A
     * thread-bound cron is inserted only if the caller's threads:read access
     * lets it see that thread; undefined otherwise.
     */
    async insert(cron: NewCron, access: Access<"crons">, thread: Access<"threads"> | undefined): Promise<CronRow | undefined> {
      const metadataJson = storedMetadata(access, cron.metadata);
      const params: unknown[] = [
        cron.cronId,
        cron.threadId ?? null,
        cron.assistantId,
        cron.schedule,
        cron.payloadJson,
        metadataJson,
        cron.endTime ?? null,
        JSON.stringify(cron.owner),
        cron.nextRunDate ?? null,
      ];
      if ((cron.threadId === undefined) !== (thread === undefined)) throw new Error("a thread-bound cron needs the caller's access to its thread, and only it");
      const threadVisible =
        thread === undefined
          ? "TRUE"
          : `EXISTS (SELECT 1 FROM threads WHERE threads.thread_id = $2::uuid AND ${visibleSql(thread, params, "threads.metadata")})`;
      const rows = await query<CronRow>(
        db,
        `INSERT INTO crons (cron_id, thread_id, assistant_id, schedule, payload, metadata, end_time, owner, next_run_date)
         SELECT $1, $2::uuid, $3, $4, $5::jsonb, $6::jsonb, $7::timestamptz, $8::jsonb, $9::timestamptz WHERE ${threadVisible}
         RETURNING ${columns}`,
        params,
        "by-key",
      );
      return rows[0];
    },

    /** The cron, if it exists and the caller's access lets it see it. */
    get(cronId: string, access: Access<"crons">): Promise<CronRow | undefined> {
      return selectVisible(db, table, cronId, access);
    },

    /**
     * Changes a visible cron in one statement: a new schedule with its next
     * firing (none past the cron's end_time), and the payload replaced
     * (`payloadJson`) or shallow-merged with a patch (`payloadPatchJson`) in
     * SQL, so no read is needed. Undefined when it is missing or hidden.
     */
    async update(
      cronId: string,
      changes: { schedule: string | undefined; nextRunDate: Date | undefined; payloadJson: string | undefined; payloadPatchJson: string | undefined },
      access: Access<"crons">,
    ): Promise<CronRow | undefined> {
      const params: unknown[] = [cronId, changes.schedule ?? null, changes.payloadJson ?? null, changes.payloadPatchJson ?? null, changes.nextRunDate ?? null];
      const visible = visibleSql(access, params);
      const rows = await query<CronRow>(
        db,
        `UPDATE crons SET schedule = COALESCE($2, schedule), payload = COALESCE($3::jsonb, payload) || COALESCE($4::jsonb, '{}'::jsonb), updated_at = now(),
           next_run_date = CASE WHEN $2::text IS NULL THEN next_run_date WHEN end_time < $5::timestamptz THEN NULL ELSE $5::timestamptz END
         WHERE cron_id = $1 AND ${visible} RETURNING ${columns}`,
        params,
        "by-key",
      );
      return rows[0];
    },

    /** Deletes a visible cron; false when it is missing or hidden. */
    delete(cronId: string, access: Access<"crons">): Promise<boolean> {
      return deleteVisible(db, table, cronId, access);
    },

    /** One page of the visible crons that match, newest first. */
    async search(criteria: CronCriteria, limit: number, offset: number, access: Access<"crons">): Promise<CronRow[]> {
      const params: unknown[] = [];
      const conditions = where(criteria, access, params);
      return query<CronRow>(
        db,
        `SELECT ${columns} FROM crons WHERE ${conditions} ORDER BY created_at DESC, cron_id DESC ${limitOffset(params, limit, offset)}`,
        params,
        "by-parameters",
      );
    },

    /** How many visible crons match. */
    count(criteria: CronCriteria, access: Access<"crons">): Promise<number> {
      return countWhere(db, table, (params) => where(criteria, access, params));
    },
  };
}

export type CronRepo = ReturnType<typeof createCronRepo>;
