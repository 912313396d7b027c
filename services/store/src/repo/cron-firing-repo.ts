import type { JsonObject } from "@gatehouse/filters";
import type { UserRecord } from "@gatehouse/identity";
import type pg from "pg";
import type { Access } from "../authorization.js";
import { visibleSql } from "../sql/visible.js";
import { storedMetadata } from "../validate.js";

/** A due cron as the scheduler claims it, with the database's clock at the claim. */
export interface DueCron {
  cron_id: string;
  thread_id: string | null;
  assistant_id: string;
  schedule: string;
  payload: JsonObject;
  metadata: JsonObject;
  end_time: Date | null;
  owner: UserRecord;
  next_run_date: Date;
  /** The transaction's now(): every replica reads the same clock. */
  now: Date;
}

/** The run a firing makes; kwargs as JSON text. */
export interface FiredRun {
  runId: string;
  threadId: string;
  assistantId: string;
  /** The cron's metadata; what the handler left in its place is stored. */
  metadata: JsonObject;
  kwargsJson: string;
  multitaskStrategy: string;
}

// Due: its time has come and its end_time (if any) has not passed, as
// LangGraph's scheduler reads it. SKIP LOCKED passes over a cron another
// replica is firing (or a delete holds), and the lock is kept until the
// transaction that advances next_run_date commits, so each due time is
// claimed once. A re-check after a wait sees the advanced date, not the old one.
const claimSql = `
  SELECT cron_id, thread_id, assistant_id, schedule, payload, metadata, end_time, owner, next_run_date, now() AS now
  FROM crons
  WHERE next_run_date <= now() AND owner IS NOT NULL AND (end_time IS NULL OR end_time >= now())
    AND NOT (cron_id = ANY($1::uuid[]))
  ORDER BY next_run_date, cron_id
  LIMIT 1
  FOR UPDATE SKIP LOCKED`;

const insertRun = "INSERT INTO runs (run_id, thread_id, assistant_id, metadata, kwargs, multitask_strategy)";

/**
 * The scheduler's statements, each on the client of the transaction that
 * claims one cron: claim, make its run, advance it. Written apart from the
 * RPC repositories because no caller's request drives them; the run is still
 * inserted only with the Access the guard made for the cron's owner.
 */
export const cronFirings = {
  /** Locks the earliest due cron not in `skip`; undefined when none is free. */
  async claim(client: pg.PoolClient, skip: string[]): Promise<DueCron | undefined> {
    const { rows } = await client.query<DueCron>(claimSql, [skip]);
    return rows[0];
  },

  /** Sets when the cron fires next (null: never again). */
  async advance(client: pg.PoolClient, cronId: string, next: Date | undefined): Promise<void> {
    await client.query("UPDATE crons SET next_run_date = $2 WHERE cron_id = $1", [cronId, next ?? null]);
  },

  /**
   * Forgets the next firing of crons whose end_time has passed, so they stop
   * showing a date they will never fire at. Such a cron is due (its
   * next_run_date is never after its end_time), so the due index finds it.
   * Returns how many.
   */
  async retireEnded(client: pg.PoolClient | pg.Pool): Promise<number> {
    const { rowCount } = await client.query(
      "UPDATE crons SET next_run_date = NULL WHERE next_run_date <= now() AND owner IS NOT NULL AND end_time < now()",
    );
    return rowCount ?? 0;
  },

  /** Inserts the run on the cron's thread if the owner's access still lets them see it; false otherwise. */
  async insertOnVisibleThread(client: pg.PoolClient, run: FiredRun, thread: Access<"threads">): Promise<boolean> {
    const params: unknown[] = [run.runId, run.threadId, run.assistantId, storedMetadata(thread, run.metadata), run.kwargsJson, run.multitaskStrategy];
    const visible = visibleSql(thread, params, "threads.metadata");
    const { rowCount } = await client.query(
      `${insertRun} SELECT $1, threads.thread_id, $3, $4::jsonb, $5::jsonb, $6 FROM threads WHERE threads.thread_id = $2 AND ${visible}`,
      params,
    );
    return rowCount === 1;
  },

  /** Creates the thread of a stateless cron's firing and its run; the thread takes the run's metadata. */
  async insertWithNewThread(client: pg.PoolClient, run: FiredRun, thread: Access<"threads">): Promise<void> {
    const metadataJson = storedMetadata(thread, run.metadata);
    await client.query("INSERT INTO threads (thread_id, metadata) VALUES ($1, $2::jsonb)", [run.threadId, metadataJson]);
    await client.query(`${insertRun} VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6)`, [
      run.runId,
      run.threadId,
      run.assistantId,
      metadataJson,
      run.kwargsJson,
      run.multitaskStrategy,
    ]);
  },
};
