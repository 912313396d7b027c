/**
 * The filter conformance suite (README "Filters"; one table run against both
 * the in-memory matcher and the SQL compiler, so the two can never disagree).
 * Every case of filter-cases.ts runs through parseFilter, then matchesFilter
 * in memory and compileFilter on Postgres, both as planned and with
 * sequential scans off (so the GIN index answers), and compiled as a check
 * beside a key lookup (`checksOnly`, which no index serves); all must select exactly
 * the expected rows. The filter must also reach the store unchanged through
 * the wire encoding.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FilterSchema } from "@gatehouse/contracts";
import {
  compileFilter,
  FilterError,
  filterFromProto,
  filterToProto,
  matchesFilter,
  parseFilter,
  type FilterExpr,
  type JsonObject,
} from "@gatehouse/filters";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { filterCases, isRejectCase, type MatchCase, type RejectCase } from "./filter-cases.js";
import { createMetadataTable, type MetadataTable } from "./metadata-table.js";

// Keys the cases filter on, given btree expression indexes in a second run, as the store's owner and org_id keys have.
const indexedCaseKeys = new Set(["k", "a", "b", "owner", "org", "tags", "status"]);

const matchCases = filterCases.filter((testCase): testCase is MatchCase => !isRejectCase(testCase));
const rejectCases = filterCases.filter(isRejectCase);

let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await database?.drop();
});

/** Parses a row's JSON text as the matcher sees it, insisting on a JSON object. */
function parseRow(text: string): JsonObject {
  const value: unknown = JSON.parse(text);
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error(`a row must be a JSON object: ${text}`);
  return value as JsonObject;
}

/** The filter as the store receives it: encoded by authz as gatehouse.type.v1.Filter, sent, decoded. */
function overTheWire(filter: FilterExpr): FilterExpr {
  return filterFromProto(fromBinary(FilterSchema, toBinary(FilterSchema, create(FilterSchema, filterToProto(filter)))));
}

/** The statement text and parameters compileFilter produces, to compare two filters' SQL meaning. */
function compiled(filter: FilterExpr): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  return { sql: compileFilter(filter, { column: "metadata", params }), params };
}

describe("the conformance table", () => {
  it("holds at least 100 cases, each with a unique name", () => {
    expect(filterCases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(filterCases.map((testCase) => testCase.name)).size).toBe(filterCases.length);
  });

  it("gives every accepted filter rows that it selects and rows that it does not, except the select-all and select-none filters", () => {
    const oneSided = matchCases.filter(({ rows }) => rows.every(([, matches]) => matches) || rows.every(([, matches]) => !matches));
    expect(oneSided.map(({ name }) => name).sort()).toEqual(
      [
        "$and with the empty list selects every row",
        "$and over the same key with two values selects nothing",
        "$in with the empty list selects no row",
        "$or with an empty filter selects every row",
        "$or with the empty list selects no row",
        "the empty filter selects every row",
      ].sort(),
    );
  });
});

describe("accepted filters select exactly the expected rows, in memory and in Postgres", () => {
  let table: MetadataTable;
  let keyedTable: MetadataTable;

  beforeAll(async () => {
    table = await createMetadataTable(client, "case_rows");
    keyedTable = await createMetadataTable(client, "keyed_case_rows", indexedCaseKeys);
  });

  for (const testCase of matchCases) {
    it(testCase.name, async () => {
      const filter = parseFilter(testCase.filter);
      const texts = testCase.rows.map(([text]) => text);
      const rows = texts.map(parseRow);
      const show = (ids: readonly number[]) => ids.map((id) => texts[id - 1]);
      const expected = show(testCase.rows.flatMap(([, matches], index) => (matches ? [index + 1] : [])));

      const inMemory = show(rows.flatMap((row, index) => (matchesFilter(filter, row) ? [index + 1] : [])));
      await table.load(texts);
      expect(show(await table.misread(texts)), "rows Postgres reads differently from JavaScript").toEqual([]);
      const asPlanned = show(await table.select(filter, "default"));
      const throughIndex = show(await table.select(filter, "index"));
      await keyedTable.load(texts);
      const throughKeyIndexes = show(await keyedTable.select(filter, "index"));
      const asRowCheck = show(await keyedTable.select(filter, "default", "checks"));

      expect({ inMemory, asPlanned, throughIndex, throughKeyIndexes, asRowCheck }).toEqual({
        inMemory: expected,
        asPlanned: expected,
        throughIndex: expected,
        throughKeyIndexes: expected,
        asRowCheck: expected,
      });
      expect(compiled(overTheWire(filter)), "the filter the store decodes compiles to the same SQL").toEqual(compiled(filter));
    });
  }
});

describe("rejected filters fail closed with a FilterError naming the offending key", () => {
  for (const testCase of rejectCases) {
    it(testCase.name, () => {
      const outcome = rejection(testCase);
      expect(outcome).toBeInstanceOf(FilterError);
      expect((outcome as FilterError).message).toMatch(testCase.rejects);
      expect((outcome as FilterError).key).toBe(testCase.key);
    });
  }
});

function rejection(testCase: RejectCase): unknown {
  try {
    return parseFilter(testCase.filter);
  } catch (error) {
    return error;
  }
}

describe("the GIN index serves the common filters at scale", () => {
  const rowCount = 20_000;
  const owners = 1_000;

  beforeAll(async () => {
    await client.query("CREATE TABLE owned_rows (id int PRIMARY KEY, metadata jsonb NOT NULL)");
    await client.query("CREATE INDEX owned_rows_metadata_idx ON owned_rows USING gin (metadata jsonb_path_ops)");
    // Row g is owned by user(g mod 1000) and shared with user((7g + 3) mod 1000): 20 owned and 20 shared rows per user.
    await client.query(
      `INSERT INTO owned_rows (id, metadata)
       SELECT g, jsonb_build_object(
         'owner', 'user' || (g % $2::int),
         'allowed_users', jsonb_build_array('user' || (g % $2::int), 'user' || ((7 * g + 3) % $2::int)),
         'org', 'org' || (g % 10))
       FROM generate_series(1, $1::int) AS g`,
      [rowCount, owners],
    );
    // VACUUM merges the GIN pending list the inserts filled, as autovacuum does for a live table.
    await client.query("VACUUM ANALYZE owned_rows");
  });

  it.each([
    ["an owner filter", { owner: "user42" }, 20],
    ["a $contains filter on allowed_users", { allowed_users: { $contains: "user42" } }, 40],
    ["an owner filter ANDed with an org", { owner: "user42", org: "org2" }, 20],
    ["an $in filter over owners", { owner: { $in: ["user42", "user43"] } }, 40],
  ])("%s is answered through Bitmap Index Scans on the GIN index, with the rows the matcher selects", async (_name, handlerFilter, count) => {
    const filter = parseFilter(handlerFilter);
    const { sql, params } = compiled(filter);
    const [explained] = (await client.query(`EXPLAIN (FORMAT JSON) SELECT id FROM owned_rows WHERE ${sql}`, params)).rows as [
      { "QUERY PLAN": [{ Plan: PlanNode }] },
    ];
    const scans = planNodes(explained["QUERY PLAN"][0].Plan).filter((node) => node["Node Type"] === "Bitmap Index Scan");
    expect(scans.length).toBeGreaterThan(0);
    expect(new Set(scans.map((node) => node["Index Name"]))).toEqual(new Set(["owned_rows_metadata_idx"]));

    const selected = (await client.query<{ id: number }>(`SELECT id FROM owned_rows WHERE ${sql} ORDER BY id`, params)).rows.map(({ id }) => id);
    const all = (await client.query<{ id: number; metadata: string }>("SELECT id, metadata::text AS metadata FROM owned_rows ORDER BY id")).rows;
    const matched = all.filter((row) => matchesFilter(filter, parseRow(row.metadata))).map(({ id }) => id);
    expect(selected).toEqual(matched);
    expect(selected).toHaveLength(count);
  });
});

/** One node of an EXPLAIN (FORMAT JSON) plan. */
interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}
