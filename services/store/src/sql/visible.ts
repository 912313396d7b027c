import type { Resource } from "@gatehouse/auth";
import { compileFilter } from "@gatehouse/filters";
import { Access } from "../authorization.js";
import { byKey } from "./coalesced-statements.js";
import { query, type Database } from "./database.js";
import { indexedMetadataKeys } from "./metadata-indexes.js";

/**
 * The SQL condition that keeps only what the caller's Access lets it see: its
 * handler's filter compiled on `column` (the table's `metadata`, or `doc` for
 * items, under the alias the statement uses), its values appended to
 * `params`. This and searchableSql are the one place a caller's filter
 * becomes SQL, so every statement applies it the same way.
 *
 * For a statement that finds its rows by their key: the filter only checks
 * them, in a form no index serves, so a generic plan of the named statement
 * can never scan the filter's whole index range (compileFilter's
 * `checksOnly`).
 */
export function visibleSql(access: Access<Resource>, params: unknown[], column?: string): string {
  return compileVisible(access, params, column, true);
}

/**
 * The same condition for a search, list or count: Postgres plans it for its
 * own values, and the filter also finds the rows, through the table's GIN
 * index and its indexed keys.
 */
export function searchableSql(access: Access<Resource>, params: unknown[], column?: string): string {
  return compileVisible(access, params, column, false);
}

function compileVisible(access: Access<Resource>, params: unknown[], column: string | undefined, checksOnly: boolean): string {
  const filter = Access.filterOf(access);
  if (access.resource === "store") return compileFilter(filter, { column: column ?? "doc", params, checksOnly });
  return compileFilter(filter, { column: column ?? "metadata", params, indexedKeys: indexedMetadataKeys[access.resource], checksOnly });
}

/**
 * A resource table whose rows the caller's metadata filter guards. Names are
 * written in code, never taken from a request, so they may appear in SQL text.
 */
export interface GuardedTable<R extends Resource, Row extends object> {
  resource: R;
  /** Never set: ties the table to the type of its rows. */
  row?: Row;
  name: string;
  /** The uuid primary key. */
  idColumn: string;
  columns: string;
}

/**
 * The row with this id, if the caller's Access lets it see the row; hidden
 * and missing look alike. Concurrent reads through the same filter share
 * one statement (coalesced-statements.ts).
 */
export function selectVisible<Row extends object, R extends Resource>(db: Database, table: GuardedTable<R, Row>, id: string, access: Access<R>): Promise<Row | undefined> {
  const params: unknown[] = [undefined];
  const visible = visibleSql(access, params);
  const text = `SELECT ${table.columns} FROM ${table.name} WHERE ${table.idColumn} = ANY($1::uuid[]) AND ${visible}`;
  const keyOf = (row: Row) => String((row as Record<string, unknown>)[table.idColumn]);
  return byKey<Row>(db, { text, shared: params.slice(1), keyOf }, id.toLowerCase(), [id]);
}

/** Deletes the row with this id if the caller's Access lets it see the row; false when it is missing or hidden. */
export async function deleteVisible<R extends Resource>(db: Database, table: GuardedTable<R, object>, id: string, access: Access<R>): Promise<boolean> {
  const params: unknown[] = [id];
  const visible = visibleSql(access, params);
  const rows = await query(db, `DELETE FROM ${table.name} WHERE ${table.idColumn} = $1 AND ${visible} RETURNING ${table.idColumn}`, params, "by-key");
  return rows.length > 0;
}

/** How many rows satisfy the conditions `where` writes, which must include the caller's searchableSql. */
export async function countWhere<R extends Resource>(db: Database, table: GuardedTable<R, object>, where: (params: unknown[]) => string): Promise<number> {
  const params: unknown[] = [];
  const rows = await query<{ count: string }>(db, `SELECT count(*) AS count FROM ${table.name} WHERE ${where(params)}`, params, "by-parameters");
  return Number(rows[0]?.count ?? 0);
}
