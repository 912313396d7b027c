import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "./migrate.js";
import { migrations } from "./migrations.js";

// Needs a real Postgres server: several pools migrating one database at once.
const baseUrl = process.env.DATABASE_URL;

describe.skipIf(!baseUrl)("migrations on real Postgres", () => {
  const name = `gatehouse_migrate_${randomBytes(5).toString("hex")}`;
  let url: string;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const parsed = new URL(baseUrl!);
    parsed.pathname = `/${name}`;
    url = parsed.toString();
  });

  afterAll(async () => {
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it("replicas starting at once apply every migration exactly once", async () => {
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: url, max: 1 }));
    const applied = await Promise.all(pools.map((pool) => migrate(pool)));
    expect(applied.reduce((sum, count) => sum + count, 0)).toBe(migrations.length);
    const { rows } = await pools[0]!.query<{ version: number }>("SELECT version FROM gatehouse_migrations ORDER BY version");
    expect(rows.map((row) => row.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(await migrate(pools[0]!)).toBe(0);
    await Promise.all(pools.map((pool) => pool.end()));
  });
});
