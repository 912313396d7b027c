import type { FilterExpr } from "@gatehouse/filters";
import { query, type Database } from "./database.js";
import { visibleSql, type MetadataTable } from "./metadata-indexes.js";

/**
 * A resource table whose rows the caller's metadata filter guards. Names are
 * written in code, never taken from a request, so they may appear in SQL text.
 */
export interface GuardedTable {
  name: MetadataTable;
  idColumn: string;
  columns: string;
}

/** The row with this id, if the filter lets the caller see it; hidden and missing look alike. */
export async function selectVisible<Row extends object>(db: Database, table: GuardedTable, id: string, filter: FilterExpr): Promise<Row | undefined> {
  const params: unknown[] = [id];
  const visible = visibleSql(table.name, filter, params);
  const rows = await query<Row>(db, `SELECT ${table.columns} FROM ${table.name} WHERE ${table.idColumn} = $1 AND ${visible}`, params);
  return rows[0];
}

/** Deletes the row with this id if the filter lets the caller see it; false when it is missing or hidden. */
export async function deleteVisible(db: Database, table: GuardedTable, id: string, filter: FilterExpr): Promise<boolean> {
  const params: unknown[] = [id];
  const visible = visibleSql(table.name, filter, params);
  const rows = await query(db, `DELETE FROM ${table.name} WHERE ${table.idColumn} = $1 AND ${visible} RETURNING ${table.idColumn}`, params);
  return rows.length > 0;
}

/** How many rows satisfy the conditions `where` writes (the caller's filter among them). */
export async function countWhere(db: Database, table: GuardedTable, where: (params: unknown[]) => string): Promise<number> {
  const params: unknown[] = [];
  const rows = await query<{ count: string }>(db, `SELECT count(*) AS count FROM ${table.name} WHERE ${where(params)}`, params);
  return Number(rows[0]?.count ?? 0);
}
