import { startEmbeddedPostgres } from "@gatehouse/launcher";
import { createThrowawayDatabase } from "@gatehouse/schema/testing";

/** A database of one's own for a test file. */
export interface TestDatabase {
  url: string;
  /** 1 on the embedded database, which runs one query at a time anyway. */
  poolMax: number | undefined;
  /** True when this is a real Postgres server (DATABASE_URL). */
  real: boolean;
  /** What the services need in their environment to use it (the embedded one's shared session: no named statements, no LISTEN). */
  serviceEnv: Record<string, string>;
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
    return { url: embedded.url, poolMax: 1, real: false, serviceEnv: embedded.storeEnv, drop: () => embedded.stop() };
  }
  const database = await createThrowawayDatabase(base, "gatehouse_test");
  return { url: database.url, poolMax: undefined, real: true, serviceEnv: {}, drop: () => database.drop() };
}
