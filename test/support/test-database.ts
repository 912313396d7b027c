import { randomBytes } from "node:crypto";
import pg from "pg";
import { startEmbeddedPostgres } from "@gatehouse/launcher";

/** A database of one's own for a test file. */
export interface TestDatabase {
  url: string;
  /** 1 on the embedded database, which runs one query at a time anyway. */
  poolMax: number | undefined;
  /** True when this is a real Postgres server (DATABASE_URL). */
  real: boolean;
  drop(): Promise<void>;
}

/**
 * Creates a fresh database on the Postgres at DATABASE_URL, or, without it,
 * starts an embedded one. Each test file gets its own, so files never see
 * each other's rows.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const embedded = await startEmbeddedPostgres(undefined);
    return { url: embedded.url, poolMax: 1, real: false, drop: () => embedded.stop() };
  }
  const name = `gatehouse_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    poolMax: undefined,
    real: true,
    async drop() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
