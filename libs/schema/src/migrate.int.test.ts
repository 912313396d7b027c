import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "./migrate.js";
import { migrations } from "./migrations.js";
import { createThrowawayDatabase, type ThrowawayDatabase } from "./testing/throwaway-database.js";

// Needs a real Postgres server: several pools migrating one database at once.
const serverUrl = process.env.DATABASE_URL;

describe.skipIf(!serverUrl)("migrations on real Postgres", () => {
  let database: ThrowawayDatabase;
  let url: string;

  beforeAll(async () => {
    database = await createThrowawayDatabase(serverUrl!, "gatehouse_migrate");
    url = database.url;
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("replicas starting at once apply every migration exactly once", async () => {
    const pools = Array.from({ length: 4 }, () => {
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      // Dropping the database at the end terminates whatever connection is still closing; that is not a failure.
      pool.on("error", () => {});
      return pool;
    });
    const applied = await Promise.all(pools.map((pool) => migrate(pool)));
    expect(applied.reduce((sum, count) => sum + count, 0)).toBe(migrations.length);
    const { rows } = await pools[0]!.query<{ version: number }>("SELECT version FROM gatehouse_migrations ORDER BY version");
    expect(rows.map((row) => row.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(await migrate(pools[0]!)).toBe(0);
    await Promise.all(pools.map((pool) => pool.end()));
  });
});
