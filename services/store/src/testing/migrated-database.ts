import { migrate } from "@gatehouse/schema";
import { openDatabase, type Database } from "../sql/database.js";
import { createThrowawayDatabase, type ThrowawayDatabase } from "./throwaway-database.js";

/** A throwaway database with the schema migrated, and the store's connection pool on it. */
export interface MigratedDatabase extends ThrowawayDatabase {
  db: Database;
}

/**
 * Creates a database next to the one `serverUrl` names, opens the store's
 * pool of `poolMax` connections on it and migrates it: the set-up of the
 * store's integration tests on real Postgres. `drop` ends the pool, then
 * drops the database.
 */
export async function createMigratedDatabase(serverUrl: string, prefix: string, poolMax: number): Promise<MigratedDatabase> {
  const database = await createThrowawayDatabase(serverUrl, prefix);
  const db = openDatabase(database.url, poolMax);
  const drop = async () => {
    await db.end();
    await database.drop();
  };
  try {
    await migrate(db);
  } catch (error) {
    await drop();
    throw error;
  }
  return { url: database.url, db, drop };
}
