import { createHash } from "node:crypto";
import pg from "pg";
import { translateDatabaseError } from "./database-errors.js";

/** The store's connection pool. */
export type Database = pg.Pool;

/** How the store names its statements on a pool; see `query`. */
export interface PreparedStatementOptions {
  /**
   * Whether statements run as named prepared statements at all
   * (DATABASE_PREPARED_STATEMENTS; default true). Off behind a pooler that
   * moves a session between server connections (PgBouncer in transaction
   * mode), or a socket that multiplexes them.
   */
  enabled: boolean;
  /**
   * How many distinct statement texts this process names
   * (DATABASE_PREPARED_STATEMENTS_MAX; default 500): each is kept by every
   * pooled connection for its lifetime, so the count bounds that memory.
   * Texts past it run unnamed.
   */
  max: number;
}

const defaultPreparedStatements: PreparedStatementOptions = { enabled: true, max: 500 };

interface Naming {
  options: PreparedStatementOptions;
  names: Map<string, string>;
}

const namings = new WeakMap<object, Naming>();

function namingOf(db: object): Naming {
  let naming = namings.get(db);
  if (naming === undefined) {
    naming = { options: defaultPreparedStatements, names: new Map() };
    namings.set(db, naming);
  }
  return naming;
}

/** Opens a pool; `max` is 1 on the embedded database, whose socket serves one connection at a time. */
export function openDatabase(url: string, max: number, preparedStatements: PreparedStatementOptions = defaultPreparedStatements): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  });
  pool.on("error", () => {
    // An idle client lost its connection; the pool replaces it on next use.
  });
  namings.set(pool, { options: preparedStatements, names: new Map() });
  return pool;
}

/**
 * How a statement is planned, which decides whether it runs named:
 *
 * - "by-key": it reads or writes rows by their key (with the caller's
 *   filter beside it), so one plan fits every parameter. It runs as a named
 *   prepared statement: parsed once per connection, and after a few
 *   executions Postgres keeps a generic plan instead of planning each call.
 * - "by-parameters": a filtered, ordered page or a count, whose best plan
 *   depends on the values. A generic plan cannot see how selective a
 *   filter's `metadata @> $n` is, and walks the created_at index through the
 *   whole table for one owner's page; so it runs unnamed, and Postgres plans
 *   it for its own parameters every time.
 * - "client-shaped": its text embeds a filter a client wrote. It runs
 *   unnamed, so no caller can grow the server's memory by minting texts.
 */
export type Planning = "by-key" | "by-parameters" | "client-shaped";

/** The name a statement text runs under, or undefined to run it unnamed. */
function statementName(db: object, text: string, planning: Planning): string | undefined {
  const naming = namingOf(db);
  if (!naming.options.enabled || planning !== "by-key") return undefined;
  let name = naming.names.get(text);
  if (name === undefined && naming.names.size < naming.options.max) {
    name = `gh_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    naming.names.set(text, name);
  }
  return name;
}

/**
 * Runs a parameterized statement, named or unnamed as its `planning` says.
 * Filters of the same shape produce the same text, only their bind
 * parameters differ, so the named texts form a bounded set; any text past
 * the per-process cap runs unnamed all the same.
 */
export async function query<Row extends pg.QueryResultRow>(db: Database, text: string, values: unknown[], planning: Planning): Promise<Row[]> {
  const name = statementName(db, text, planning);
  try {
    return (await db.query<Row>(name === undefined ? { text, values } : { name, text, values })).rows;
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

/** Reads DATABASE_PREPARED_STATEMENTS ("true" or "false") and DATABASE_PREPARED_STATEMENTS_MAX; anything else stops start-up. */
export function preparedStatementsFromEnv(env: NodeJS.ProcessEnv = process.env): PreparedStatementOptions {
  const enabled = env.DATABASE_PREPARED_STATEMENTS ?? "true";
  if (enabled !== "true" && enabled !== "false") throw new Error(`DATABASE_PREPARED_STATEMENTS must be "true" or "false", not "${enabled}"`);
  const max = Number(env.DATABASE_PREPARED_STATEMENTS_MAX ?? defaultPreparedStatements.max);
  if (!Number.isSafeInteger(max) || max < 0) throw new Error("DATABASE_PREPARED_STATEMENTS_MAX must be a whole number, at least 0");
  return { enabled: enabled === "true", max };
}
