import { compileFilter, type FilterExpr, type JsonObject } from "@gatehouse/filters";
import { query, type Database } from "../sql/database.js";

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
 * namespace and key over any of the same name (SPEC §5).
 */
export function itemDocument(namespace: string[], key: string, value: JsonObject): JsonObject {
  return { ...value, namespace, key };
}

/** SQL for the items table. Filters apply to the `doc` column. */
export function createItemRepo(db: Database) {
  return {
    /**
     * Writes an item if the filter admits both the new document and the row it
     * replaces, in one statement; undefined when it does not.
     */
    async put(namespace: string[], key: string, valueJson: string, docJson: string, filter: FilterExpr): Promise<ItemRow | undefined> {
      const params: unknown[] = [namespace, key, valueJson, docJson];
      const admitsNew = compileFilter(filter, { column: "$4::jsonb", params });
      const admitsExisting = compileFilter(filter, { column: "items.doc", params });
      const rows = await query<ItemRow>(
        db,
        `INSERT INTO items (namespace, key, value, doc)
         SELECT $1::text[], $2, $3::jsonb, $4::jsonb WHERE ${admitsNew}
         ON CONFLICT (namespace, key) DO UPDATE SET value = EXCLUDED.value, doc = EXCLUDED.doc, updated_at = now()
         WHERE ${admitsExisting}
         RETURNING ${columns}`,
        params,
      );
      return rows[0];
    },

    /** The item, if it exists and the filter lets the caller see it. */
    async get(namespace: string[], key: string, filter: FilterExpr): Promise<ItemRow | undefined> {
      const params: unknown[] = [namespace, key];
      const visible = compileFilter(filter, { column: "doc", params });
      const rows = await query<ItemRow>(db, `SELECT ${columns} FROM items WHERE namespace = $1::text[] AND key = $2 AND ${visible}`, params);
      return rows[0];
    },
  };
}

export type ItemRepo = ReturnType<typeof createItemRepo>;
