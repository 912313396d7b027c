import pg from "pg";
import { migrate } from "@gatehouse/schema";
import { createThrowawayDatabase } from "@gatehouse/schema/testing";

/** A migrated database of its own on the real Postgres at DATABASE_URL, for one test file. */
export interface WorkerTestDatabase {
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

/** Creates and migrates a throwaway database next to the one `serverUrl` names. */
export async function createWorkerTestDatabase(serverUrl: string): Promise<WorkerTestDatabase> {
  const database = await createThrowawayDatabase(serverUrl, "gatehouse_worker");
  const pool = new pg.Pool({ connectionString: database.url, max: 10 });
  // DROP ... WITH (FORCE) ends connections a worker under test still holds; that is expected here.
  pool.on("error", () => {});
  await migrate(pool);
  return {
    url: database.url,
    pool,
    async drop() {
      await pool.end();
      await database.drop();
    },
  };
}

/** Inserts a thread and returns its id. */
export async function insertThread(pool: pg.Pool, metadata: Record<string, unknown> = {}): Promise<string> {
  const { rows } = await pool.query<{ thread_id: string }>("INSERT INTO threads (thread_id, metadata) VALUES (gen_random_uuid(), $1) RETURNING thread_id", [
    metadata,
  ]);
  return rows[0]!.thread_id;
}

/** Inserts a pending run as the store's CreateRun records it, and returns its id. */
export async function insertRun(
  pool: pg.Pool,
  threadId: string,
  assistantId: string,
  kwargs: Record<string, unknown>,
  afterSeconds = 0,
): Promise<string> {
  const { rows } = await pool.query<{ run_id: string }>(
    `INSERT INTO runs (run_id, thread_id, assistant_id, kwargs, not_before)
     VALUES (gen_random_uuid(), $1, $2, $3, now() + make_interval(secs => $4)) RETURNING run_id`,
    [threadId, assistantId, kwargs, afterSeconds],
  );
  return rows[0]!.run_id;
}

/** The run's status, attempt and cancel request, or undefined when the row is gone. */
export async function runRow(pool: pg.Pool, runId: string): Promise<{ status: string; attempt: number; claimed_by: string | null } | undefined> {
  const { rows } = await pool.query("SELECT status, attempt, claimed_by FROM runs WHERE run_id = $1", [runId]);
  return rows[0];
}

/** Resolves with the run's row once the run has left pending and running; rejects after 20 s. */
export function runSettled(pool: pg.Pool, runId: string): Promise<{ status: string; attempt: number; claimed_by: string | null }> {
  return eventually(async () => {
    const row = await runRow(pool, runId);
    return row && !["pending", "running"].includes(row.status) ? row : undefined;
  }, 20_000, `run ${runId} to finish`);
}

/** The thread's status, values and interrupts. */
export async function threadRow(pool: pg.Pool, threadId: string): Promise<{ status: string; values: Record<string, unknown>; interrupts: Record<string, unknown> }> {
  const { rows } = await pool.query('SELECT status, "values", interrupts FROM threads WHERE thread_id = $1', [threadId]);
  return rows[0];
}

/** Resolves once `check` returns a value other than undefined, polling; rejects after timeoutMs. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
