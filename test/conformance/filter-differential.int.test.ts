/**
 * A differential test of the filter matcher against the SQL compiler (SPEC
 * §5): random metadata rows and random valid filters over the same keys; the
 * ids Postgres returns for the compiled filter must be exactly the rows the
 * in-memory matcher accepts. Each run loads a batch of rows once and checks
 * many filters against it, half of the runs with sequential scans switched
 * off so the GIN index answers, and half with keys "a" and "b" given btree
 * expression indexes, so their equality compiles to `metadata -> 'key'`.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FilterSchema } from "@gatehouse/contracts";
import { compileFilter, filterFromProto, filterToProto, matchesFilter, parseFilter, type FilterExpr, type JsonObject } from "@gatehouse/filters";
import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { handlerFilter, metadataRow } from "./filter-arbitraries.js";
import { createMetadataTable, type MetadataTable } from "./metadata-table.js";

const runs = 100;
const rowsPerRun = 200;
const filtersPerRun = 100;

describe("random filters over random rows", () => {
  let database: TestDatabase;
  let client: pg.Client;
  let table: MetadataTable;
  // The same rows with keys "a" and "b" indexed, so their equality compiles to `metadata -> 'key' = …`.
  let keyedTable: MetadataTable;

  beforeAll(async () => {
    database = await createTestDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    table = await createMetadataTable(client, "random_rows");
    keyedTable = await createMetadataTable(client, "keyed_random_rows", new Set(["a", "b"]));
  });

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it("Postgres selects exactly the rows the in-memory matcher accepts, and parseFilter accepts every generated filter", async () => {
    const tally = { filters: 0, selective: 0 };
    const batch = fc
      .array(metadataRow, { minLength: rowsPerRun, maxLength: rowsPerRun })
      .chain((rows) =>
        fc.tuple(fc.constant(rows), fc.array(handlerFilter(rows), { minLength: filtersPerRun, maxLength: filtersPerRun }), fc.boolean(), fc.boolean()),
      );

    await fc.assert(
      fc.asyncProperty(batch, async ([rows, filters, throughIndex, keysIndexed]) => {
        const target = keysIndexed ? keyedTable : table;
        await target.load(rows);
        const metadata = rows.map((text) => JSON.parse(text) as JsonObject);
        for (const handlerResult of filters) {
          const filter = parseFilter(handlerResult);
          const accepted = metadata.flatMap((row, index) => (matchesFilter(filter, row) ? [index + 1] : []));
          const selected = await target.select(filter, throughIndex ? "index" : "default");
          if (!sameIds(accepted, selected)) throw new Error(disagreement(handlerResult, filter, rows, accepted, selected));
          tally.filters += 1;
          if (accepted.length > 0 && accepted.length < rows.length) tally.selective += 1;
        }
      }),
      { numRuns: runs },
    );

    expect(tally.filters).toBeGreaterThanOrEqual(runs * filtersPerRun);
    // Guards the generators: most filters must select some rows and not others, or the comparison proves little.
    expect(tally.selective / tally.filters).toBeGreaterThan(0.35);
  });

  it("every generated filter reaches the store unchanged through the wire encoding", () => {
    const batch = fc.array(metadataRow, { minLength: 20, maxLength: 20 }).chain((rows) => handlerFilter(rows));
    fc.assert(
      fc.property(batch, (handlerResult) => {
        const filter = parseFilter(handlerResult);
        const received = filterFromProto(fromBinary(FilterSchema, toBinary(FilterSchema, create(FilterSchema, filterToProto(filter)))));
        expect(compiled(received)).toEqual(compiled(filter));
      }),
      { numRuns: 2_000 },
    );
  });
});

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, index) => id === b[index]);
}

function compiled(filter: FilterExpr): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  return { sql: compileFilter(filter, { column: "metadata", params }), params };
}

/** Explains a disagreement: the filter, its SQL, and the rows only one side selected. */
function disagreement(handlerResult: unknown, filter: FilterExpr, rows: readonly string[], accepted: readonly number[], selected: readonly number[]): string {
  const onlyInMemory = accepted.filter((id) => !selected.includes(id)).map((id) => rows[id - 1]);
  const onlyInPostgres = selected.filter((id) => !accepted.includes(id)).map((id) => rows[id - 1]);
  return [
    "the matcher and Postgres disagree",
    `filter: ${JSON.stringify(handlerResult)}`,
    `sql: ${JSON.stringify(compiled(filter))}`,
    `rows only the matcher accepts: ${JSON.stringify(onlyInMemory)}`,
    `rows only Postgres selects: ${JSON.stringify(onlyInPostgres)}`,
  ].join("\n");
}
