import type { Pool } from "pg";
import { migrations } from "./migrations.js";

// An arbitrary constant naming Gatehouse's migration lock among advisory locks.
const migrationLockId = 0x6761_7465;

/**
 * Brings the schema up to date. Safe when several replicas start at once: a
 * transaction-scoped advisory lock lets one apply the pending migrations
 * while the others wait and then find nothing to do.
 */
export async function migrate(pool: Pool): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [migrationLockId]);
    await client.query(
      "CREATE TABLE IF NOT EXISTS gatehouse_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const { rows } = await client.query<{ version: number | null }>("SELECT max(version) AS version FROM gatehouse_migrations");
    const current = rows[0]?.version ?? 0;
    for (let version = current + 1; version <= migrations.length; version += 1) {
      await client.query(migrations[version - 1]!);
      await client.query("INSERT INTO gatehouse_migrations (version) VALUES ($1)", [version]);
    }
    await client.query("COMMIT");
    return migrations.length - current;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
