import { randomBytes } from "node:crypto";
import type { ServiceProcess } from "@gatehouse/launcher";
import { startHostedPostgres, startHostedRedis, startHostedService, type HostedServer } from "./hosted-services.js";
import type { SimulatedHost, SimulatedNetwork } from "./simulated-network.js";

/** A whole Gatehouse spread over hosts of a simulated network: one host per process, Postgres and Redis on hosts of their own. */
export interface HostedGatehouse {
  hosts: {
    postgres: SimulatedHost;
    redis: SimulatedHost;
    authn: SimulatedHost;
    authz: SimulatedHost;
    stores: SimulatedHost[];
    gateway: SimulatedHost;
  };
  postgres: HostedServer;
  redis: HostedServer;
  services: { authn: ServiceProcess; authz: ServiceProcess; stores: ServiceProcess[]; gateway: ServiceProcess };
  /** A grpc-js target that balances over every store. */
  storeTarget: string;
  /** The gateway's base URL. */
  gatewayUrl: string;
  stop(): Promise<void>;
}

/** How to lay a Gatehouse out over the network. */
export interface HostedGatehouseOptions {
  configPath: string;
  /** Store replicas, each on its own host; default 2. */
  stores?: number;
  /** Extra environment for every service. */
  env?: Record<string, string | undefined>;
  onLog?: (service: string, line: string) => void;
}

/**
 * Starts Postgres, Redis, authn, authz, the store replicas and the gateway,
 * each on a host of its own, wired together by their hosts' addresses, so
 * every call between them crosses the simulated network.
 */
export async function startHostedGatehouse(network: SimulatedNetwork, options: HostedGatehouseOptions): Promise<HostedGatehouse> {
  const host = (name: string) => network.addHost(name);
  const [postgresHost, redisHost, authnHost, authzHost, gatewayHost] = await Promise.all(["postgres", "redis", "authn", "authz", "gateway"].map(host));
  const stores: SimulatedHost[] = [];
  for (let replica = 1; replica <= (options.stores ?? 2); replica += 1) stores.push(await host(`store-${replica}`));
  const running: Array<{ stop(): Promise<void> }> = [];
  const log = (name: string) => (options.onLog ? (line: string) => options.onLog!(name, line) : undefined);
  try {
    const [postgres, redis] = await Promise.all([startHostedPostgres(postgresHost!), startHostedRedis(redisHost!)]);
    running.push(postgres, redis);
    const env = {
      GATEHOUSE_CONFIG: options.configPath,
      GATEHOUSE_CACHE_SECRET: randomBytes(32).toString("hex"),
      REDIS_URL: redis.url,
      LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
      ...options.env,
    };
    const [authn, authz] = await Promise.all([
      startHostedService(authnHost!, "authn", env, log("authn")),
      startHostedService(authzHost!, "authz", env, log("authz")),
    ]);
    running.push(authn, authz);
    const storeProcesses = await Promise.all(
      stores.map((storeHost) =>
        startHostedService(storeHost, "store", { ...env, DATABASE_URL: postgres.url, AUTHN_TARGET: authn.address, AUTHZ_TARGET: authz.address }, log(storeHost.name)),
      ),
    );
    running.push(...storeProcesses);
    const storeTarget = `ipv4:${storeProcesses.map((store) => store.address).join(",")}`;
    const gateway = await startHostedService(gatewayHost!, "gateway", { ...env, STORE_TARGET: storeTarget }, log("gateway"));
    running.push(gateway);
    return {
      hosts: { postgres: postgresHost!, redis: redisHost!, authn: authnHost!, authz: authzHost!, stores, gateway: gatewayHost! },
      postgres,
      redis,
      services: { authn, authz, stores: storeProcesses, gateway },
      storeTarget,
      gatewayUrl: `http://${gateway.address}`,
      async stop() {
        // Front to back, so nothing calls a dependency that is already gone.
        for (const service of running.reverse()) await service.stop().catch(() => {});
      },
    };
  } catch (error) {
    for (const service of running.reverse()) await service.stop().catch(() => {});
    throw error;
  }
}
