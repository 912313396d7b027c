import { randomBytes } from "node:crypto";
import { startServiceProcess, type ServiceProcess } from "@gatehouse/launcher";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

/** Several authn and store processes sharing one Redis, each store talking to its own authn. */
export interface ReplicatedGatehouse {
  authn: ServiceProcess[];
  stores: ServiceProcess[];
  authz: ServiceProcess;
  database: TestDatabase;
  /** GATEHOUSE_CACHE_SECRET of every process, so tests can compute cache keys. */
  secret: string;
  stop(): Promise<void>;
}

/** How to start a replicated Gatehouse. */
export interface ReplicatedGatehouseOptions {
  configPath: string;
  redisUrl: string;
  /** Per-replica environment; one authn and one store are started for each entry. */
  replicas: Array<Record<string, string>>;
  /** Environment for every process. */
  env?: Record<string, string>;
  onLog?: (service: string, line: string) => void;
}

/**
 * Starts one authz, and for each replica an authn and a store pointed at it,
 * all as separate processes on loopback, on a fresh database and the given
 * Redis, with one identity-cache secret. This is the smallest layout in which
 * a revocation must cross processes to take effect everywhere.
 */
export async function startReplicatedGatehouse(options: ReplicatedGatehouseOptions): Promise<ReplicatedGatehouse> {
  const database = await createTestDatabase();
  const secret = randomBytes(32).toString("hex");
  const env = {
    GATEHOUSE_CONFIG: options.configPath,
    GATEHOUSE_CACHE_SECRET: secret,
    REDIS_URL: options.redisUrl,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
    ...options.env,
  };
  const started: ServiceProcess[] = [];
  const track = (service: ServiceProcess) => (started.push(service), service);
  const log = (name: string) => (options.onLog ? (line: string) => options.onLog!(name, line) : undefined);
  try {
    const [authz, ...authn] = await Promise.all([
      startServiceProcess({ name: "authz", env: { ...env, AUTHZ_PORT: "0" }, onLog: log("authz") }).then(track),
      ...options.replicas.map((replica, n) =>
        startServiceProcess({ name: "authn", env: { ...env, ...replica, AUTHN_PORT: "0" }, onLog: log(`authn-${n}`) }).then(track),
      ),
    ]);
    const stores = await Promise.all(
      authn.map((instance, n) =>
        startServiceProcess({
          name: "store",
          env: {
            ...env,
            ...options.replicas[n],
            STORE_PORT: "0",
            DATABASE_URL: database.url,
            DATABASE_POOL_MAX: database.poolMax === undefined ? undefined : String(database.poolMax),
            AUTHN_TARGET: instance.address,
            AUTHZ_TARGET: authz!.address,
          },
          onLog: log(`store-${n}`),
        }).then(track),
      ),
    );
    return {
      authn,
      stores,
      authz: authz!,
      database,
      secret,
      async stop() {
        await Promise.all(stores.map((store) => store.stop()));
        await Promise.all([authz!, ...authn].map((service) => service.stop()));
        await database.drop();
      },
    };
  } catch (error) {
    await Promise.all(started.map((service) => service.stop()));
    await database.drop();
    throw error;
  }
}
