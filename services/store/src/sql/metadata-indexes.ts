import { compileFilter, type FilterExpr } from "@gatehouse/filters";

/**
 * The metadata keys of each table that have a btree expression index on
 * `metadata -> 'key'` (created by the migrations). The filter compiler turns
 * scalar equality on these keys into an expression those indexes serve; a
 * test checks every key here has its index.
 */
export const indexedMetadataKeys = {
  threads: new Set(["owner", "org_id"]),
  assistants: new Set(["owner"]),
  crons: new Set(["owner"]),
} as const satisfies Record<string, ReadonlySet<string>>;

/** A resource table whose metadata the caller's filter guards. */
export type MetadataTable = keyof typeof indexedMetadataKeys;

/**
 * The SQL of a caller's filter on a resource table's metadata (`column`, the
 * table's `metadata` under the alias a statement uses), with that table's
 * indexed keys, appending its values to `params`.
 */
export function visibleSql(table: MetadataTable, filter: FilterExpr, params: unknown[], column = "metadata"): string {
  return compileFilter(filter, { column, params, indexedKeys: indexedMetadataKeys[table] });
}
