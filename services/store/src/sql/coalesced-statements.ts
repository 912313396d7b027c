import { Code, ConnectError } from "@connectrpc/connect";
import { query, type Database } from "./database.js";

/** The most rows one coalesced statement reads or writes. */
const maxRowsPerStatement = 64;

/**
 * A statement that reads or writes rows by their key for many requests at
 * once. Its first parameters (`$1` … `$n`) are arrays with one element per
 * request, in the order of a request's `values`; the parameters after them
 * are `shared`, the same for every request: the caller's filter values.
 * `keyOf` names the request a returned row answers, by the key `byKey` was
 * given for it.
 */
export interface CoalescedStatement<Row> {
  text: string;
  shared: unknown[];
  keyOf(row: Row): string;
}

interface Waiter<Row> {
  resolve(row: Row | undefined): void;
  reject(error: unknown): void;
}

/** Requests waiting for the end of this turn of the event loop that share one statement text and its shared values. */
interface Batch<Row> {
  statement: CoalescedStatement<Row>;
  /** Column-major: columns[c][r] is request r's value c. */
  columns: unknown[][];
  waiting: Map<string, Waiter<Row>>;
}

const openBatches = new WeakMap<Database, Map<string, Batch<never>>>();

/**
 * Runs `statement` for one request, with its `values` and its `key` (as
 * `statement.keyOf` names a row), and answers the row the statement returned
 * for that key, or undefined.
 *
 * Requests that arrive in the same turn of the event loop with the same
 * statement text and the same shared values go to Postgres together, as one
 * statement over all their keys: under load that is one round trip, one
 * wake-up of a backend, one execution (and for writes one commit) instead of
 * one per request. Only requests through an identical filter share a
 * statement, so every row it reads or writes is one each of their callers may
 * see; each caller is answered with its own key's row alone, and a hidden row
 * stays as absent as a missing one. A key is at most once in a statement, so
 * each request's write applies and returns on its own. A statement that fails
 * (a malformed value, a deadlock) is run again for each of its requests
 * alone, so each gets its own outcome; when the database is unavailable,
 * every request gets that answer at once. A lone request waits only until
 * the end of the current turn.
 */
export function byKey<Row extends object>(db: Database, statement: CoalescedStatement<Row>, key: string, values: unknown[]): Promise<Row | undefined> {
  let open = openBatches.get(db);
  if (open === undefined) {
    open = new Map();
    openBatches.set(db, open);
  }
  const batchKey = `${statement.text}\u0000${JSON.stringify(statement.shared)}`;
  let batch = open.get(batchKey) as Batch<Row> | undefined;
  if (batch === undefined || batch.waiting.has(key) || batch.waiting.size >= maxRowsPerStatement) {
    const opened: Batch<Row> = { statement, columns: values.map(() => []), waiting: new Map() };
    batch = opened;
    open.set(batchKey, opened as Batch<never>);
    setImmediate(() => {
      if (open.get(batchKey) === (opened as Batch<never>)) open.delete(batchKey);
      void send(db, opened);
    });
  }
  const joined = batch;
  values.forEach((value, column) => joined.columns[column]!.push(value));
  return new Promise((resolve, reject) => joined.waiting.set(key, { resolve, reject }));
}

async function runAlone<Row extends object>(db: Database, statement: CoalescedStatement<Row>, values: unknown[]): Promise<Row | undefined> {
  const rows = await query<Row>(db, statement.text, [...values.map((value) => [value]), ...statement.shared], "by-key");
  return rows[0];
}

async function send<Row extends object>(db: Database, batch: Batch<Row>): Promise<void> {
  const { statement, columns, waiting } = batch;
  if (waiting.size === 1) {
    const [waiter] = waiting.values();
    await runAlone<Row>(db, statement, columns.map((column) => column[0])).then(waiter!.resolve, waiter!.reject);
    return;
  }
  let rows: Row[];
  try {
    rows = await query<Row>(db, statement.text, [...columns, ...statement.shared], "by-key");
  } catch (error) {
    // A database that cannot serve fails every request alike; retrying each alone would only wait again.
    if (error instanceof ConnectError && error.code === Code.Unavailable) {
      for (const waiter of waiting.values()) waiter.reject(error);
      return;
    }
    // Nothing was written; each request runs alone and meets its own outcome.
    const waiters = [...waiting.values()];
    await Promise.all(waiters.map((waiter, row) => runAlone<Row>(db, statement, columns.map((column) => column[row])).then(waiter.resolve, waiter.reject)));
    return;
  }
  const byReturnedKey = new Map(rows.map((row) => [statement.keyOf(row), row]));
  for (const [key, waiter] of waiting) waiter.resolve(byReturnedKey.get(key));
}
