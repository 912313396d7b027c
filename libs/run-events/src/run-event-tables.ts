import type pg from "pg";

/**
 * The tables of the Postgres run event log. `run_events` holds the kept
 * events of each run; `run_event_streams` holds one row per run: the last
 * sequence number issued, when the run was finished (the finished marker)
 * and when it last changed, which the janitor uses to expire it. `data` is
 * `json`, not `jsonb`: nothing queries inside it, and `json` keeps the text
 * exactly as written (key order included) and accepts `\u0000`, which
 * `jsonb` refuses, so no model output can make an append fail.
 */
export const runEventTablesDdl = `
CREATE TABLE IF NOT EXISTS run_event_streams (
  run_id uuid PRIMARY KEY,
  last_seq bigint NOT NULL DEFAULT 0,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS run_event_streams_updated_at ON run_event_streams (updated_at);
CREATE TABLE IF NOT EXISTS run_events (
  run_id uuid NOT NULL,
  seq bigint NOT NULL,
  event text NOT NULL,
  data json NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, seq)
);`;

/** An arbitrary constant naming the advisory lock that serialises concurrent migrations. */
const migrationLock = 0x47_52_45_56; // "GREV"

/**
 * Creates the run event tables if they are missing, under a transaction-scoped
 * advisory lock so replicas starting together do not race each other's
 * `CREATE` statements. Safe to run at every start.
 */
export async function ensureRunEventTables(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [migrationLock]);
    await client.query(runEventTablesDdl);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
