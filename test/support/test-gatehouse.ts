import { resolve } from "node:path";
import { repoRoot, startCluster, type Cluster } from "@gatehouse/launcher";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

/** A Gatehouse started for one test file, on its own database. */
export interface TestGatehouse {
  cluster: Cluster;
  database: TestDatabase;
  storeAddress: string;
  stop(): Promise<void>;
}

/** Resolves a path relative to the repository root. */
export function fromRoot(path: string): string {
  return resolve(repoRoot, path);
}

/**
 * Starts authn, authz and store as separate processes on loopback ports,
 * on a fresh database and on Redis when REDIS_URL is set.
 */
export async function startTestGatehouse(
  configPath: string,
  env: Record<string, string> = {},
  onLog?: (service: string, line: string) => void,
): Promise<TestGatehouse> {
  const database = await createTestDatabase();
  try {
    const cluster = await startCluster({
      configPath,
      databaseUrl: database.url,
      databasePoolMax: database.poolMax,
      redisUrl: process.env.REDIS_URL,
      env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "silent", ...env },
      onLog: onLog ?? (process.env.GATEHOUSE_TEST_LOGS ? (service, line) => console.log(`[${service}] ${line}`) : undefined),
    });
    return {
      cluster,
      database,
      storeAddress: cluster.store.address,
      async stop() {
        await cluster.stop();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}
