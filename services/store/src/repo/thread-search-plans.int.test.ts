/**
 * How Postgres answers the store's thread statements at scale (issue: filters
 * in SQL at a million rows). The statements are the repo's own, explained on
 * the migrated schema: an owner's newest-first page walks the owner index and
 * never sorts, a `$contains` filter goes through the GIN index, and a read by
 * id goes through the primary key.
 */
import pg from "pg";
import { parseFilter, type FilterExpr } from "@gatehouse/filters";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../sql/database.js";
import { indexedMetadataKeys } from "../sql/metadata-indexes.js";
import { grantAccess } from "../testing/grant-access.js";
import { createMigratedDatabase, type MigratedDatabase } from "../testing/migrated-database.js";
import { createThreadRepo, type ThreadPage } from "./thread-repo.js";

const serverUrl = process.env.DATABASE_URL;
const threadCount = 100_000;
const owners = 1_000;

/** One node of an EXPLAIN (FORMAT JSON) plan. */
interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Scan Direction"?: string;
  Plans?: PlanNode[];
}

const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

/** A Postgres array literal of strings, each quoted. */
const arrayText = (elements: readonly string[]) => `{${elements.map((element) => `"${element.replace(/[\\"]/g, "\\$&")}"`).join(",")}}`;

describe.skipIf(!serverUrl)("thread statements at scale on real Postgres", () => {
  let database: MigratedDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createMigratedDatabase(serverUrl!, "gatehouse_plans", 2);
    db = database.db;
    // Thread n belongs to owner(n mod 1000) and is shared with owner((7n + 3) mod 1000); one thread in ten
    // also belongs to an organization, org(n mod 50); newer threads have larger n.
    await db.query(
      `INSERT INTO threads (thread_id, metadata, created_at, updated_at)
       SELECT gen_random_uuid(),
              jsonb_build_object('owner', 'owner-' || (n % $2), 'allowed_users', jsonb_build_array('owner-' || ((7 * n + 3) % $2)))
                || CASE WHEN n % 10 = 0 THEN jsonb_build_object('org_id', 'org-' || (n % 50)) ELSE '{}'::jsonb END,
              now() - make_interval(secs => $1 - n), now() - make_interval(secs => $1 - n)
       FROM generate_series(1, $1::int) AS n`,
      [threadCount, owners],
    );
    await db.query("VACUUM ANALYZE threads");
  }, 120_000);

  afterAll(async () => {
    await database?.drop();
  });

  /** The one statement `run` sends through the repo, captured instead of executed. */
  async function statementOf(run: (repo: ReturnType<typeof createThreadRepo>) => Promise<unknown>): Promise<pg.QueryConfig> {
    const statements: pg.QueryConfig[] = [];
    const capturing = {
      async query(statement: pg.QueryConfig) {
        statements.push(statement);
        return { rows: [] };
      },
    } as unknown as Database;
    await run(createThreadRepo(capturing));
    expect(statements).toHaveLength(1);
    return statements[0]!;
  }

  /** The plan of the one statement `run` sends, made for its values, as for a search that runs unnamed. */
  async function planOf(run: (repo: ReturnType<typeof createThreadRepo>) => Promise<unknown>): Promise<PlanNode[]> {
    const { text, values } = await statementOf(run);
    const { rows } = await db.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${text}`, values);
    return planNodes(rows[0]!["QUERY PLAN"][0].Plan);
  }

  /**
   * The plan Postgres keeps for the one statement `run` sends once the store
   * has run it by name a few times: a generic plan, made without the values.
   */
  async function genericPlanOf(run: (repo: ReturnType<typeof createThreadRepo>) => Promise<unknown>): Promise<PlanNode[]> {
    const { text, values = [] } = await statementOf(run);
    const client = await db.connect();
    try {
      await client.query("SET plan_cache_mode = force_generic_plan");
      await client.query(`PREPARE probe AS ${text}`);
      // EXPLAIN EXECUTE takes no bind parameters: the values go in as literals, which the prepared types parse.
      const literal = (value: unknown) => client.escapeLiteral(Array.isArray(value) ? arrayText(value as string[]) : String(value));
      const { rows } = await client.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) EXECUTE probe(${values.map(literal).join(", ")})`);
      return planNodes(rows[0]!["QUERY PLAN"][0].Plan);
    } finally {
      await client.query("DEALLOCATE ALL; RESET plan_cache_mode");
      client.release();
    }
  }

  const ownerFilter: FilterExpr = parseFilter({ owner: "owner-42" });
  const newestFirst: ThreadPage = { limit: 10, offset: 0, sortBy: "created_at", sortOrder: "desc" };
  const noCriteria = { metadataJson: undefined, status: undefined };

  it("an owner's newest-first page is read from the owner index in order, without a sort", async () => {
    const nodes = await planOf(async (repo) => repo.search(noCriteria, newestFirst, await grantAccess("threads", ownerFilter)));
    expect(nodes.map((node) => node["Node Type"])).not.toContain("Sort");
    expect(nodes.find((node) => node["Node Type"] === "Index Scan")).toMatchObject({ "Index Name": "threads_owner_created_idx", "Scan Direction": "Forward" });
  });

  it("an owner's oldest-first page walks the same index backwards", async () => {
    const nodes = await planOf(async (repo) => repo.search(noCriteria, { ...newestFirst, sortOrder: "asc" }, await grantAccess("threads", ownerFilter)));
    expect(nodes.map((node) => node["Node Type"])).not.toContain("Sort");
    expect(nodes.find((node) => node["Node Type"] === "Index Scan")).toMatchObject({ "Index Name": "threads_owner_created_idx", "Scan Direction": "Backward" });
  });

  it("an organization's newest-first page is read from the organization index, without a sort", async () => {
    const orgFilter = parseFilter({ org_id: "org-10" });
    const nodes = await planOf(async (repo) => repo.search(noCriteria, newestFirst, await grantAccess("threads", orgFilter)));
    expect(nodes.map((node) => node["Node Type"])).not.toContain("Sort");
    expect(nodes.find((node) => node["Node Type"] === "Index Scan")).toMatchObject({ "Index Name": "threads_org_created_idx", "Scan Direction": "Forward" });
  });

  it("a $contains filter on allowed_users goes through the GIN index", async () => {
    const nodes = await planOf(async (repo) => repo.search(noCriteria, newestFirst, await grantAccess("threads", parseFilter({ allowed_users: { $contains: "owner-42" } }))));
    expect(nodes.find((node) => node["Node Type"] === "Bitmap Index Scan")).toMatchObject({ "Index Name": "threads_metadata_idx" });
  });

  it("a read by id goes through the primary key, the owner filter checked on that one row", async () => {
    const nodes = await planOf(async (repo) => repo.get("00000000-0000-4000-8000-000000000000", await grantAccess("threads", ownerFilter)));
    expect(nodes.find((node) => node["Node Type"] === "Index Scan")).toMatchObject({ "Index Name": "threads_pkey" });
  });

  // Reads and updates by id run as named statements, which Postgres soon answers from one generic plan.
  // Made without the filter's values, that plan once guessed an owner small and intersected the key's
  // lookup with the owner's whole index range: 15 ms instead of 0.02 ms for one thread of an owner of 100 000.
  it("a read by id, planned generically, goes through the primary key", async () => {
    const nodes = await genericPlanOf(async (repo) => repo.get("00000000-0000-4000-8000-000000000000", await grantAccess("threads", ownerFilter)));
    expect(nodes.filter((node) => node["Index Name"] !== undefined).map((node) => node["Index Name"])).toEqual(["threads_pkey"]);
  });

  it("a read by id through a $contains filter, planned generically, goes through the primary key", async () => {
    const sharedWith = parseFilter({ allowed_users: { $contains: "owner-42" } });
    const nodes = await genericPlanOf(async (repo) => repo.get("00000000-0000-4000-8000-000000000000", await grantAccess("threads", sharedWith)));
    expect(nodes.filter((node) => node["Index Name"] !== undefined).map((node) => node["Index Name"])).toEqual(["threads_pkey"]);
  });

  it("an update by id, planned generically, goes through the primary key", async () => {
    const nodes = await genericPlanOf(async (repo) => repo.mergeMetadata("00000000-0000-4000-8000-000000000000", await grantAccess("threads", ownerFilter), { note: "x" }));
    expect(nodes.filter((node) => node["Index Name"] !== undefined).map((node) => node["Index Name"])).toEqual(["threads_pkey"]);
  });

  it("the page holds exactly the owner's ten newest threads", async () => {
    const page = await createThreadRepo(db).search(noCriteria, newestFirst, await grantAccess("threads", ownerFilter));
    const { rows } = await db.query<{ thread_id: string }>(
      "SELECT thread_id FROM threads WHERE metadata->>'owner' = 'owner-42' ORDER BY created_at DESC, thread_id DESC LIMIT 10",
    );
    expect(page.map((thread) => thread.thread_id)).toEqual(rows.map((row) => row.thread_id));
  });

  it("every metadata key the compiler treats as indexed has its expression index", async () => {
    const { rows } = await db.query<{ tablename: string; indexdef: string }>("SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'");
    for (const [table, keys] of Object.entries(indexedMetadataKeys)) {
      for (const key of keys) {
        expect(rows.some((row) => row.tablename === table && row.indexdef.includes(`((metadata -> '${key}'::text)`)), `${table}.metadata -> '${key}'`).toBe(true);
      }
    }
  });
});
