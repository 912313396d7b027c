import { compileFilter, type FilterExpr, type JsonObject } from "@gatehouse/filters";
import type { Access } from "../authorization.js";
import { byKey } from "../sql/coalesced-statements.js";
import { query, type Database } from "../sql/database.js";
import { limitOffset } from "../sql/paging.js";
import { searchableSql, visibleSql } from "../sql/visible.js";

/** An items row as Postgres returns it. */
export interface ItemRow {
  namespace: string[];
  key: string;
  value: JsonObject;
  created_at: Date;
  updated_at: Date;
}

const columns = "namespace, key, value, created_at, updated_at";

/**
 * The document store handler filters match: the value's fields, with
 * namespace and key over any of the same name (README "Filters").
 */
export function itemDocument(namespace: string[], key: string, value: JsonObject): JsonObject {
  return { ...value, namespace, key };
}

/**
 * A namespace as one string; labels cannot contain ".", so the join is
 * unambiguous, and statements that carry namespaces as paths split them back
 * into the same labels. The item service refuses such labels with
 * INVALID_ARGUMENT; one that got here anyway fails rather than name another
 * namespace.
 */
export function namespacePath(namespace: readonly string[]): string {
  if (namespace.some((label) => label.includes("."))) throw new Error("a namespace label contains '.'");
  return namespace.join(".");
}

/**
 * The key coalesced statements answer an item by. Statements that read or
 * write several items at once carry each namespace as its path, which
 * `string_to_array(path, '.')` turns back into the labels.
 */
const itemKeyOf = (item: { namespace: readonly string[]; key: string }) => JSON.stringify([item.namespace, item.key]);

/** Matches items under a namespace prefix through the namespace_path index. */
function underPrefix(prefix: readonly string[], params: unknown[]): string {
  if (prefix.length === 0) return "TRUE";
  const path = namespacePath(prefix);
  const escaped = path.replace(/[\\%_]/g, (character) => `\\${character}`);
  return `(namespace_path = $${params.push(path)} OR namespace_path LIKE $${params.push(`${escaped}.%`)})`;
}

/** What a namespace listing narrows by. */
export interface NamespaceQuery {
  prefix: string[];
  suffix: string[];
  maxDepth: number;
  limit: number;
  offset: number;
}

/** SQL for the items table. The caller's Access applies to the `doc` column. */
export function createItemRepo(db: Database) {
  return {
    /**
     * Writes an item if the caller's access admits both the new document and the row it
     * replaces, in one statement; undefined when it does not.
     */
    async put(namespace: string[], key: string, valueJson: string, docJson: string, access: Access<"store">): Promise<ItemRow | undefined> {
      const params: unknown[] = [undefined, undefined, undefined, undefined];
      const admitsNew = visibleSql(access, params, "new_doc");
      const admitsExisting = visibleSql(access, params, "items.doc");
      return byKey<ItemRow>(
        db,
        {
          text: `INSERT INTO items (namespace, key, value, doc, namespace_path)
                 SELECT string_to_array(new_path, '.'), new_key, new_value, new_doc, new_path
                 FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::jsonb[]) AS new_item(new_path, new_key, new_value, new_doc)
                 WHERE ${admitsNew}
                 ON CONFLICT (namespace, key) DO UPDATE SET value = EXCLUDED.value, doc = EXCLUDED.doc, updated_at = now()
                 WHERE ${admitsExisting}
                 RETURNING ${columns}`,
          shared: params.slice(4),
          keyOf: itemKeyOf,
        },
        itemKeyOf({ namespace, key }),
        [namespacePath(namespace), key, valueJson, docJson],
      );
    },

    /** The item, if it exists and the caller's access lets it see it. */
    async get(namespace: string[], key: string, access: Access<"store">): Promise<ItemRow | undefined> {
      const params: unknown[] = [undefined, undefined];
      const visible = visibleSql(access, params);
      return byKey<ItemRow>(
        db,
        {
          text: `SELECT ${columns} FROM items
                 WHERE (namespace, key) IN (SELECT string_to_array(wanted_path, '.'), wanted_key FROM unnest($1::text[], $2::text[]) AS wanted(wanted_path, wanted_key))
                   AND ${visible}`,
          shared: params.slice(2),
          keyOf: itemKeyOf,
        },
        itemKeyOf({ namespace, key }),
        [namespacePath(namespace), key],
      );
    },

    /** Deletes a visible item; false when it is missing or hidden. */
    async delete(namespace: string[], key: string, access: Access<"store">): Promise<boolean> {
      const params: unknown[] = [namespace, key];
      const visible = visibleSql(access, params);
      const rows = await query(db, `DELETE FROM items WHERE namespace = $1::text[] AND key = $2 AND ${visible} RETURNING key`, params, "by-key");
      return rows.length > 0;
    },

    /** One page of the visible items under a prefix whose value matches, most recently updated first. */
    async search(prefix: string[], valueFilter: FilterExpr, limit: number, offset: number, access: Access<"store">): Promise<ItemRow[]> {
      const params: unknown[] = [];
      const conditions = [underPrefix(prefix, params), compileFilter(valueFilter, { column: "value", params }), searchableSql(access, params)];
      // The text embeds the client's own filter, so it is not kept as a prepared statement.
      return query<ItemRow>(
        db,
        `SELECT ${columns} FROM items WHERE ${conditions.join(" AND ")} ORDER BY updated_at DESC, namespace_path, key ${limitOffset(params, limit, offset)}`,
        params,
        "client-shaped",
      );
    },

    /** The distinct namespaces of the visible items, truncated to maxDepth labels, in lexical order. */
    async listNamespaces(request: NamespaceQuery, access: Access<"store">): Promise<string[][]> {
      const params: unknown[] = [];
      const conditions = [underPrefix(request.prefix, params), searchableSql(access, params)];
      if (request.suffix.length > 0) {
        const n = `$${params.push(request.suffix.length)}::int`;
        conditions.push(`cardinality(namespace) >= ${n} AND namespace[cardinality(namespace) - ${n} + 1 : cardinality(namespace)] = $${params.push(request.suffix)}::text[]`);
      }
      const depth = `$${params.push(request.maxDepth)}::int`;
      const rows = await query<{ namespace: string[] }>(
        db,
        `SELECT DISTINCT CASE WHEN ${depth} > 0 THEN namespace[1:${depth}] ELSE namespace END AS namespace
         FROM items WHERE ${conditions.join(" AND ")} ORDER BY 1 ${limitOffset(params, request.limit, request.offset)}`,
        params,
        "by-parameters",
      );
      return rows.map((row) => row.namespace);
    },
  };
}

export type ItemRepo = ReturnType<typeof createItemRepo>;
