import { query, type Database } from "./database.js";

/** The most rows one coalesced statement reads or writes. */
const maxRowsPerStatement = 64;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A statement that reads or writes rows by their uuid key for many requests
 * at once. Its first parameters (`$1` … `$n`) are arrays with one element per
 * request, in the order of a request's `values` (the key first; see
 * `byKey`); the parameters after them are `shared`, the same for every
 * request: the caller's filter values. Each row it returns carries its key in
 * `keyColumn`.
 */
export interface CoalescedStatement {
  text: string;
  shared: unknown[];
  keyColumn: string;
}

interface Waiter<Row> {
  resolve(row: Row | undefined): void;
  reject(error: unknown): void;
}

/** Requests waiting for the end of this turn of the event loop that share one statement text and its shared values. */
interface Batch<Row> {
  statement: CoalescedStatement;
  /** Column-major: columns[c][r] is request r's value c. */
  columns: unknown[][];
  waiting: Map<string, Waiter<Row>>;
}

const openBatches = new WeakMap<Database, Map<string, Batch<object>>>();

/**
 * Runs `statement` for one request, whose `values` begin with its uuid key,
 * and answers the row it returned for that key, or undefined.
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
 * is run again for each of its requests alone, so each gets its own outcome.
 * A lone request waits only until the end of the current turn.
 */
export function byKey<Row extends object>(db: Database, statement: CoalescedStatement, values: unknown[]): Promise<Row | undefined> {
  const key = values[0];
  // A malformed key fails its own statement, not a batch's.
  if (typeof key !== "string" || !uuidPattern.test(key)) return runAlone<Row>(db, statement, values);
  let open = openBatches.get(db);
  if (open === undefined) {
    open = new Map();
    openBatches.set(db, open);
  }
  const batchKey = `${statement.text}\u0000${JSON.stringify(statement.shared)}`;
  const normalizedKey = key.toLowerCase();
  let batch = open.get(batchKey) as Batch<Row> | undefined;
  if (batch === undefined || batch.waiting.has(normalizedKey) || batch.waiting.size >= maxRowsPerStatement) {
    batch = { statement, columns: values.map(() => []), waiting: new Map() };
    const opened = batch;
    open.set(batchKey, opened as Batch<object>);
    setImmediate(() => {
      if (open.get(batchKey) === (opened as Batch<object>)) open.delete(batchKey);
      void send(db, opened);
    });
  }
  const joined = batch;
  values.forEach((value, column) => joined.columns[column]!.push(column === 0 ? normalizedKey : value));
  return new Promise((resolve, reject) => joined.waiting.set(normalizedKey, { resolve, reject }));
}

async function runAlone<Row extends object>(db: Database, statement: CoalescedStatement, values: unknown[]): Promise<Row | undefined> {
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
  } catch {
    // Nothing was written; each request runs alone and meets its own outcome.
    const waiters = [...waiting.values()];
    await Promise.all(waiters.map((waiter, row) => runAlone<Row>(db, statement, columns.map((column) => column[row])).then(waiter.resolve, waiter.reject)));
    return;
  }
  const byReturnedKey = new Map(rows.map((row) => [String((row as Record<string, unknown>)[statement.keyColumn]), row]));
  for (const [key, waiter] of waiting) waiter.resolve(byReturnedKey.get(key));
}
