import { createHash } from "node:crypto";
import pg from "pg";
import { translateDatabaseError } from "./database-errors.js";

/** The store's connection pool. */
export type Database = pg.Pool;

/** Opens a pool; `max` is 1 on the embedded database, whose socket serves one connection at a time. */
export function openDatabase(url: string, max: number): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    // Plan every execution with its actual parameters. A generic plan cannot
    // see how selective a filter's `metadata @> $n` is, and picks a scan of
    // the created_at index that reads the whole table for one owner's page.
    // (The embedded database ignores startup options; it holds little data.)
    options: "-c plan_cache_mode=force_custom_plan",
  });
  pool.on("error", () => {
    // An idle client lost its connection; the pool replaces it on next use.
  });
  return pool;
}

const statementNames = new Map<string, string>();

/**
 * Runs a parameterized statement as a named prepared statement, so Postgres
 * parses and plans each distinct query text once per connection. Filters of
 * the same shape produce the same text; only their bind parameters differ.
 */
export async function query<Row extends pg.QueryResultRow>(db: Database, text: string, values: unknown[]): Promise<Row[]> {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `gh_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    if (statementNames.size < 10_000) statementNames.set(text, name);
  }
  try {
    return (await db.query<Row>({ name, text, values })).rows;
  } catch (error) {
    throw translateDatabaseError(error);
  }
}

/**
 * Runs `work` in one transaction on one connection: committed if it resolves,
 * rolled back if it throws, so a failed request writes nothing.
 */
export async function withTransaction<T>(db: Database, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect().catch((error: unknown) => {
    throw translateDatabaseError(error);
  });
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw translateDatabaseError(error);
  } finally {
    client.release();
  }
}
