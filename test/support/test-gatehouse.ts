import { resolve } from "node:path";
import { repoRoot, startCluster, type Cluster, type Topology } from "@gatehouse/launcher";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

/** A Gatehouse started for one test file, on its own database. */
export interface TestGatehouse {
  cluster: Cluster;
  database: TestDatabase;
  storeAddress: string;
  /** The LangGraph HTTP gateway's base URL (`http://host:port`), when started with `{ gateway: true }`. */
  gatewayUrl?: string;
  stop(): Promise<void>;
}

/** Extra parts of a test Gatehouse. */
export interface TestGatehouseOptions {
  /** Also start the LangGraph HTTP gateway, on a free port. */
  gateway?: boolean;
  /** Also start a worker, which executes runs with the graphs of the config and answers the store's state and graph calls. */
  worker?: boolean;
  /** Turn on mutual TLS between the services with the certificates in this directory (`npm run certs`). */
  certsDir?: string;
  /** `split` or `combined` (README, "Topologies"); default GATEHOUSE_TOPOLOGY, else split. */
  topology?: Topology;
}

/** Resolves a path relative to the repository root. */
export function fromRoot(path: string): string {
  return resolve(repoRoot, path);
}

/**
 * Starts authn, authz and store (and the gateway and a worker if asked) as separate
 * processes on loopback ports, on a fresh database and on Redis when
 * REDIS_URL is set.
 */
export async function startTestGatehouse(
  configPath: string,
  env: Record<string, string> = {},
  onLog?: (service: string, line: string) => void,
  options: TestGatehouseOptions = {},
): Promise<TestGatehouse> {
  const database = await createTestDatabase();
  try {
    const cluster = await startCluster({
      configPath,
      databaseUrl: database.url,
      databasePoolMax: database.poolMax,
      redisUrl: process.env.REDIS_URL,
      ...(options.gateway && { gatewayPort: 0 }),
      ...(options.worker && { worker: true }),
      ...(options.certsDir !== undefined && { certsDir: options.certsDir }),
      ...(options.topology !== undefined && { topology: options.topology }),
      env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "silent", ...database.serviceEnv, ...env },
      onLog: onLog ?? (process.env.GATEHOUSE_TEST_LOGS ? (service, line) => console.log(`[${service}] ${line}`) : undefined),
    });
    return {
      cluster,
      database,
      storeAddress: cluster.store.address,
      ...(cluster.gateway && { gatewayUrl: `http://${cluster.gateway.address}` }),
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
