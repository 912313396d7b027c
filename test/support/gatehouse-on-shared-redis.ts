import { randomBytes } from "node:crypto";
import { startCluster, type Cluster, type ClusterOptions } from "@gatehouse/launcher";
import { createGrpcTransport, type ClosableTransport, type GrpcTransportOptions } from "@gatehouse/server";
import { startIdentityProvider, type IdentityProvider } from "@gatehouse/verifiers/testing";
import { authnClient, type AuthnClient } from "./authn-client.js";
import { identityProviderEnv } from "./identity-provider-env.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";
import { fromRoot } from "./test-gatehouse.js";

/** A whole Gatehouse on the verifiers fixture, its identity provider stand-in, and clients of authn and the store. */
export interface GatehouseOnSharedRedis {
  idp: IdentityProvider;
  database: TestDatabase;
  gatehouse: Cluster;
  authn: AuthnClient;
  transport: ClosableTransport;
  /** Closes the clients, then stops Gatehouse, drops the database and closes the identity provider. */
  stop(): Promise<void>;
}

/** What differs between the tests that run Gatehouse on a Redis topology of their own. */
export interface GatehouseOnSharedRedisOptions {
  /** The variables naming the Redis topology (REDIS_CLUSTER_NODES, REDIS_SENTINELS, …) and any other settings. */
  env: Record<string, string>;
  replicas?: ClusterOptions["replicas"];
  /** Pass the test database's pool size (1 on the embedded database) to the services. */
  limitDatabasePool?: boolean;
  /** The store client's transport, given the running Gatehouse. */
  storeTransport(gatehouse: Cluster): Omit<GrpcTransportOptions, "defaultTimeoutMs">;
}

/**
 * Starts an identity provider stand-in, a test database and Gatehouse (the
 * verifiers fixture, rate limits off) on the Redis that `options.env` names,
 * with an authn client and a store transport: the set-up of the e2e tests
 * that check the identity cache across a Redis Cluster or Sentinels.
 */
export async function startGatehouseOnSharedRedis(options: GatehouseOnSharedRedisOptions): Promise<GatehouseOnSharedRedis> {
  const started: Partial<GatehouseOnSharedRedis> = {};
  const stop = async () => {
    started.transport?.close();
    started.authn?.close();
    await started.gatehouse?.stop();
    await started.database?.drop();
    await started.idp?.close();
  };
  try {
    const idp = (started.idp = await startIdentityProvider());
    const database = (started.database = await createTestDatabase());
    const gatehouse = (started.gatehouse = await startCluster({
      configPath: fromRoot("test/fixtures/verifiers.gatehouse.json"),
      databaseUrl: database.url,
      ...(options.limitDatabasePool ? { databasePoolMax: database.poolMax } : {}),
      ...(options.replicas ? { replicas: options.replicas } : {}),
      env: {
        LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
        GATEHOUSE_RATE_LIMIT_PER_SECOND: "0",
        ...options.env,
        ...identityProviderEnv(idp, `static-${randomBytes(16).toString("hex")}`),
      },
      onLog: process.env.GATEHOUSE_TEST_LOGS ? (service, line) => console.log(`[${service}] ${line}`) : undefined,
    }));
    const authn = (started.authn = authnClient(gatehouse.authn.address));
    const transport = (started.transport = createGrpcTransport({ defaultTimeoutMs: 5_000, ...options.storeTransport(gatehouse) }));
    return { idp, database, gatehouse, authn, transport, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
