import { compileFilter, type FilterExpr } from "@gatehouse/filters";
import type pg from "pg";

/** How Postgres may plan a filtered select. */
export type PlannerMode = "default" | "index";

/** How the statement uses the filter: to find rows (through indexes), or only to check rows found otherwise (compileFilter's `checksOnly`). */
export type FilterUse = "finds" | "checks";

/**
 * A scratch table of metadata rows, shaped like the resource tables:
 * `metadata jsonb` with a GIN `jsonb_path_ops` index (README "Filters").
 */
export interface MetadataTable {
  /** Replaces the table's rows with these JSON texts, bound as parameters and numbered 1, 2, … in order. */
  load(rows: readonly string[]): Promise<void>;
  /**
   * Ids of the rows that `SELECT id FROM table WHERE <compileFilter(filter)>`
   * returns, ascending. In "index" mode sequential scans are switched off for
   * that one statement, so every indexable term goes through an index.
   * With `use` "checks", the filter compiles as it does beside a key lookup.
   */
  select(filter: FilterExpr, mode?: PlannerMode, use?: FilterUse): Promise<number[]>;
  /**
   * Ids of loaded rows Postgres reads differently from JavaScript: their
   * jsonb differs from JSON.stringify(JSON.parse(text)).
   */
  misread(rows: readonly string[]): Promise<number[]>;
}

/**
 * Creates the table `name` (an identifier written in test code, never data)
 * with its GIN index, on a client the caller owns. With `indexedKeys`, each
 * key also gets a btree index on `metadata -> 'key'` and filters compile
 * with those keys indexed, as the store's resource tables do.
 */
export async function createMetadataTable(client: pg.ClientBase, name: string, indexedKeys: ReadonlySet<string> = new Set()): Promise<MetadataTable> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain table name: ${name}`);
  await client.query(`CREATE TABLE ${name} (id int PRIMARY KEY, metadata jsonb NOT NULL)`);
  await client.query(`CREATE INDEX ${name}_metadata_idx ON ${name} USING gin (metadata jsonb_path_ops)`);
  for (const key of indexedKeys) {
    if (!/^[a-z_][a-z0-9_]*$/.test(key)) throw new Error(`not a plain key: ${key}`);
    await client.query(`CREATE INDEX ${name}_${key}_idx ON ${name} ((metadata -> '${key}'))`);
  }
  const ids = (result: pg.QueryResult<{ id: number }>) => result.rows.map((row) => row.id);
  return {
    async load(rows) {
      await client.query(`TRUNCATE ${name}`);
      await client.query(
        `INSERT INTO ${name} (id, metadata) SELECT ordinality, doc::jsonb FROM unnest($1::text[]) WITH ORDINALITY AS input(doc, ordinality)`,
        [rows],
      );
    },
    async select(filter, mode = "default", use = "finds") {
      const params: unknown[] = [];
      const sql = `SELECT id FROM ${name} WHERE ${compileFilter(filter, { column: "metadata", params, indexedKeys, checksOnly: use === "checks" })} ORDER BY id`;
      if (mode === "default") return ids(await client.query(sql, params));
      await client.query("BEGIN");
      try {
        await client.query("SET LOCAL enable_seqscan = off");
        return ids(await client.query(sql, params));
      } finally {
        await client.query("COMMIT");
      }
    },
    async misread(rows) {
      const canonical = rows.map((text) => JSON.stringify(JSON.parse(text)));
      return ids(
        await client.query(
          `SELECT id FROM ${name} JOIN unnest($1::text[]) WITH ORDINALITY AS input(doc, id) USING (id)
           WHERE ${name}.metadata <> input.doc::jsonb ORDER BY id`,
          [canonical],
        ),
      );
    },
  };
}
