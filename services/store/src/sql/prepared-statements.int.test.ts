/**
 * Prepared statements stay bounded on real Postgres: a client who sends
 * ever-new item-search filter shapes cannot grow what a backend keeps, and
 * the per-process cap and the off switch hold for statements the store
 * writes itself. Each check runs on a pool of one connection, so what it
 * measures is the connection the statements ran on.
 */
import { matchAll, parseFilter, type JsonObject } from "@gatehouse/filters";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createItemRepo } from "../repo/item-repo.js";
import { createThreadRepo } from "../repo/thread-repo.js";
import { grantAccess } from "../testing/grant-access.js";
import { createThrowawayDatabase, type ThrowawayDatabase } from "../testing/throwaway-database.js";
import { openDatabase, type Database, type PreparedStatementOptions } from "./database.js";
import { migrate } from "@gatehouse/schema";

const serverUrl = process.env.DATABASE_URL;

/** The i-th of 4^7 filter shapes: seven conditions, each one of four operators that compile to different SQL. */
function filterShape(i: number): JsonObject {
  const conditions: JsonObject[] = [];
  for (let position = 0, rest = i; position < 7; position += 1, rest = Math.floor(rest / 4)) {
    const key = `k${position}`;
    const operators: JsonObject[] = [{ $ne: 1 }, { $exists: true }, { $exists: false }, { $in: [1, 2] }];
    const operator = operators[rest % 4]!;
    conditions.push({ [key]: operator });
  }
  return { $and: conditions };
}

async function preparedCount(db: Database): Promise<number> {
  const { rows } = await db.query<{ count: string }>("SELECT count(*) AS count FROM pg_prepared_statements");
  return Number(rows[0]!.count);
}

async function backendBytes(db: Database): Promise<number> {
  const { rows } = await db.query<{ bytes: string }>("SELECT sum(total_bytes) AS bytes FROM pg_backend_memory_contexts");
  return Number(rows[0]!.bytes);
}

describe.skipIf(!serverUrl)("prepared statements on real Postgres", () => {
  let database: ThrowawayDatabase;
  const pools: Database[] = [];

  beforeAll(async () => {
    database = await createThrowawayDatabase(serverUrl!, "gatehouse_prepared");
    const setup = openDatabase(database.url, 1);
    await migrate(setup);
    await setup.end();
  });

  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await database?.drop();
  });

  function pool(options?: PreparedStatementOptions): Database {
    const db = openDatabase(database.url, 1, options);
    pools.push(db);
    return db;
  }

  it("10 000 distinct item-search filter shapes leave the connection's prepared statements and memory flat", async () => {
    const db = pool();
    const items = createItemRepo(db);
    const access = await grantAccess("store", matchAll);
    const search = (i: number) => items.search(["n"], parseFilter(filterShape(i)), 10, 0, access);
    // Warm up: the connection's caches, and the statements the store names, reach their steady size.
    for (let i = 0; i < 500; i += 1) await search(i);
    const before = { prepared: await preparedCount(db), bytes: await backendBytes(db) };
    for (let i = 500; i < 10_500; i += 1) await search(i);
    const after = { prepared: await preparedCount(db), bytes: await backendBytes(db) };
    console.log(
      `prepared statements ${before.prepared} -> ${after.prepared}; backend memory ${(before.bytes / 1024).toFixed(0)} KiB -> ${(after.bytes / 1024).toFixed(0)} KiB`,
    );
    // A statement that embeds the client's own filter is never kept by name.
    expect(after.prepared).toBe(0);
    expect(after.bytes - before.bytes).toBeLessThan(2 * 1024 * 1024);
  }, 180_000);

  it("statement texts past the per-process cap run unnamed", async () => {
    const db = pool({ enabled: true, max: 3 });
    const threads = createThreadRepo(db);
    for (let i = 0; i < 20; i += 1) await threads.get("00000000-0000-4000-8000-000000000000", await grantAccess("threads", parseFilter(filterShape(i))));
    expect(await preparedCount(db)).toBe(3);
  });

  it("reads by key run named; searches and counts, whose plans depend on their values, run unnamed", async () => {
    const db = pool();
    const threads = createThreadRepo(db);
    const access = await grantAccess("threads", parseFilter({ owner: "someone" }));
    for (let i = 0; i < 3; i += 1) {
      await threads.search({ metadataJson: undefined, status: undefined }, { limit: 10, offset: 0, sortBy: "created_at", sortOrder: "desc" }, access);
      await threads.count({ metadataJson: undefined, status: undefined }, access);
    }
    expect(await preparedCount(db)).toBe(0);
    await threads.get("00000000-0000-4000-8000-000000000000", access);
    expect(await preparedCount(db)).toBe(1);
  });

  it("with named statements switched off, none is prepared", async () => {
    const db = pool({ enabled: false, max: 500 });
    const threads = createThreadRepo(db);
    for (let i = 0; i < 20; i += 1) await threads.get("00000000-0000-4000-8000-000000000000", await grantAccess("threads", parseFilter(filterShape(i))));
    expect(await preparedCount(db)).toBe(0);
  });
});
