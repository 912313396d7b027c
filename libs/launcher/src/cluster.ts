import { randomBytes } from "node:crypto";
import { balancedTarget } from "./balanced-target.js";
import { startServiceProcess, type ServiceProcess } from "./service-process.js";
import { launcherConfig, type Topology } from "./settings.js";
import { serviceTlsEnv } from "./tls-env.js";

/**
 * The variables the launcher sets, by the service that reads them. Each must
 * be declared in that service's config.ts (README, "Configuration"); a test
 * checks them against the declarations, since this library cannot import
 * the services.
 */
export const clusterVariables = {
  shared: { config: "GATEHOUSE_CONFIG", cacheSecret: "GATEHOUSE_CACHE_SECRET", redisUrl: "REDIS_URL" },
  authn: { host: "AUTHN_HOST", port: "AUTHN_PORT" },
  authz: { host: "AUTHZ_HOST", port: "AUTHZ_PORT" },
  store: { host: "STORE_HOST", port: "STORE_PORT", databaseUrl: "DATABASE_URL", databasePoolMax: "DATABASE_POOL_MAX", authnTarget: "AUTHN_TARGET", authzTarget: "AUTHZ_TARGET", workerTarget: "WORKER_TARGET" },
  worker: { host: "WORKER_HOST", port: "WORKER_PORT", databaseUrl: "DATABASE_URL" },
  gateway: { host: "GATEWAY_HOST", port: "GATEWAY_PORT", storeTarget: "STORE_TARGET" },
  combined: { withGateway: "GATEHOUSE_COMBINED_GATEWAY", withWorker: "GATEHOUSE_COMBINED_WORKER" },
} as const;
const v = clusterVariables;

/** A Gatehouse service the launcher can run several processes of. */
export type ClusterService = "authn" | "authz" | "store" | "gateway" | "worker";

/** How to start a whole Gatehouse. */
export interface ClusterOptions {
  /** Path of gatehouse.json. */
  configPath: string;
  databaseUrl: string;
  /** Unset: each process caches identities for itself. */
  redisUrl?: string;
  /** 1 for the embedded database. */
  databasePoolMax?: number;
  /**
   * The store's port; 0 picks a free one. With several store replicas only
   * the first takes it, the others free ports.
   */
  storePort?: number;
  /** authn's port, as storePort (the first replica only); default 0, a free one. */
  authnPort?: number;
  /** authz's port, as storePort (the first replica only); default 0, a free one. */
  authzPort?: number;
  /**
   * Also start the LangGraph HTTP gateway in front of the store, on this port
   * (0 picks a free one; with several replicas only the first takes it).
   * Unset: no gateway.
   */
  gatewayPort?: number;
  /**
   * Also start the workers, which execute runs and answer the store's state
   * and graph calls, before the store (WORKER_TARGET). Unset: no worker, runs
   * stay pending and the store's state and graph calls are UNAVAILABLE. It needs a Postgres server that takes
   * several connections: the embedded one serves one at a time, to the store.
   */
  worker?: boolean;
  /**
   * How many processes of each service to run: one number for every service,
   * or a count per service (1 for those left out). Every client of a service
   * gets a target that balances over all of its replicas, so any one of them
   * can die without taking requests down with it. Default 1.
   */
  replicas?: number | Partial<Record<ClusterService, number>>;
  host?: string;
  /**
   * A directory written by `npm run certs`: authn and authz then serve mutual
   * TLS, and every service presents its own `<name>.pem`. Unset: plaintext.
   */
  certsDir?: string;
  /**
   * `split`: one process per replica of each service. `combined`: one process
   * running every service, listening on the store's and gateway's ports only
   * (one replica of each). Default GATEHOUSE_TOPOLOGY, else split.
   */
  topology?: Topology;
  /** Extra environment for every service. */
  env?: Record<string, string | undefined>;
  onLog?: (service: string, line: string) => void;
}

/** A running Gatehouse: one process per replica of each service. */
export interface Cluster {
  /** The first authn replica. */
  authn: ServiceProcess;
  /** The first authz replica. */
  authz: ServiceProcess;
  /** The first store replica. */
  store: ServiceProcess;
  /** The first LangGraph HTTP gateway, when `gatewayPort` was given. */
  gateway?: ServiceProcess;
  /** The first worker, when `worker` was true. */
  worker?: ServiceProcess;
  /** Every process of each service, the first replica first; `gateway` and `worker` are empty when not started. */
  replicas: Record<ClusterService, ServiceProcess[]>;
  /** A grpc-js target that balances over every store replica, as the gateway dials it. */
  storeTarget: string;
  stop(): Promise<void>;
}

/**
 * Starts the replicas of authn, authz and (when asked) the workers on the
 * store's database, then the store's pointed at them, then (when asked) the
 * gateway's pointed at the store, each in its own
 * process on loopback, sharing one identity-cache secret. Several replicas
 * need `host` to be an IP address: they share a target of the form
 * `ipv4:127.0.0.1:p1,127.0.0.1:p2`.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const host = options.host ?? "127.0.0.1";
  const topology = options.topology ?? launcherConfig.read().topology;
  const env = {
    [v.shared.config]: options.configPath,
    [v.shared.cacheSecret]: process.env.GATEHOUSE_CACHE_SECRET ?? randomBytes(32).toString("hex"),
    [v.shared.redisUrl]: options.redisUrl ?? "",
    ...options.env,
  };
  // Only the internal calls (store → authn, authz, worker) run over mutual TLS; the gateway makes none.
  const tls = (service: ClusterService) => (options.certsDir === undefined || service === "gateway" ? {} : serviceTlsEnv(options.certsDir, service));
  const count = (service: ClusterService) => replicaCount(options.replicas, service);
  const started: ServiceProcess[] = [];
  // Replica n of a service logs as "store" for the first and "store-2", "store-3", … for the rest.
  const start = (service: ClusterService, serviceEnv: (replica: number) => Record<string, string | undefined>) =>
    Promise.all(
      Array.from({ length: count(service) }, (_, replica) => {
        const label = replica === 0 ? service : `${service}-${replica + 1}`;
        return startServiceProcess({
          name: service,
          env: { ...env, ...tls(service), ...serviceEnv(replica) },
          onLog: options.onLog ? (line) => options.onLog!(label, line) : undefined,
        }).then((running) => (started.push(running), running));
      }),
    );
  if (topology === "combined") return startCombinedProcess(options, host, env, count);
  try {
    // Workers first: the store calls them (WORKER_TARGET); each migrates the schema itself, under a lock.
    const [authn, authz, worker] = await Promise.all([
      start("authn", (replica) => ({ [v.authn.host]: host, [v.authn.port]: String(replica === 0 ? (options.authnPort ?? 0) : 0) })),
      start("authz", (replica) => ({ [v.authz.host]: host, [v.authz.port]: String(replica === 0 ? (options.authzPort ?? 0) : 0) })),
      options.worker !== true
        ? Promise.resolve([])
        : start("worker", () => ({
            [v.worker.host]: host,
            [v.worker.port]: "0",
            [v.worker.databaseUrl]: options.databaseUrl,
          })),
    ]);
    const store = await start("store", (replica) => ({
      [v.store.host]: host,
      [v.store.port]: String(replica === 0 ? (options.storePort ?? 0) : 0),
      [v.store.databaseUrl]: options.databaseUrl,
      [v.store.databasePoolMax]: options.databasePoolMax === undefined ? undefined : String(options.databasePoolMax),
      [v.store.authnTarget]: balancedTarget(authn.map(({ address }) => address)),
      [v.store.authzTarget]: balancedTarget(authz.map(({ address }) => address)),
      // Without workers, a port nothing listens on: state and graph calls are UNAVAILABLE, never sent to a stray process on the default port.
      [v.store.workerTarget]: worker.length === 0 ? `${host}:1` : balancedTarget(worker.map(({ address }) => address)),
    }));
    const storeTarget = balancedTarget(store.map(({ address }) => address));
    const gateway =
      options.gatewayPort === undefined
        ? []
        : await start("gateway", (replica) => ({
            [v.gateway.host]: host,
            [v.gateway.port]: String(replica === 0 ? options.gatewayPort : 0),
            [v.gateway.storeTarget]: storeTarget,
          }));
    return {
      authn: authn[0]!,
      authz: authz[0]!,
      store: store[0]!,
      ...(gateway[0] && { gateway: gateway[0] }),
      ...(worker[0] && { worker: worker[0] }),
      replicas: { authn, authz, store, gateway, worker },
      storeTarget,
      stop: () => stopAll(started),
    };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

function replicaCount(replicas: ClusterOptions["replicas"], service: ClusterService): number {
  const count = typeof replicas === "number" ? replicas : (replicas?.[service] ?? 1);
  if (!Number.isInteger(count) || count < 1) throw new Error(`${service} needs a whole number of replicas, at least 1, not ${count}`);
  return count;
}

async function stopAll(services: ServiceProcess[]): Promise<void> {
  // Front to back (gateway, store, worker, then authn and authz), so no request reaches a stopped dependency.
  const front = ["gateway", "store", "worker"];
  for (const name of front) {
    await Promise.all(services.filter((service) => service.name === name).map((service) => service.stop()));
  }
  await Promise.all(services.filter((service) => !front.includes(service.name)).map((service) => service.stop()));
}

/**
 * The combined topology: one process (services/combined) with every service;
 * authn, authz and the worker are reached in process, so their entries name
 * that process with the address `in-process`.
 */
async function startCombinedProcess(
  options: ClusterOptions,
  host: string,
  env: Record<string, string | undefined>,
  count: (service: ClusterService) => number,
): Promise<Cluster> {
  const many = (["authn", "authz", "store", "gateway", "worker"] as const).filter((service) => count(service) > 1);
  if (many.length > 0) throw new Error(`the combined topology runs one process; ${many.join(", ")} asked for replicas (use the split topology)`);
  let gatewayAddress: string | undefined;
  const running = await startServiceProcess({
    name: "combined",
    env: {
      ...env,
      [v.store.host]: host,
      [v.store.port]: String(options.storePort ?? 0),
      [v.store.databaseUrl]: options.databaseUrl,
      [v.store.databasePoolMax]: options.databasePoolMax === undefined ? undefined : String(options.databasePoolMax),
      [v.gateway.host]: host,
      [v.gateway.port]: String(options.gatewayPort ?? 0),
      [v.combined.withGateway]: String(options.gatewayPort !== undefined),
      [v.combined.withWorker]: String(options.worker === true),
      ...(options.certsDir !== undefined && serviceTlsEnv(options.certsDir, "store")),
    },
    onLog: (line) => {
      gatewayAddress ??= line.startsWith("gatehouse gateway listening on ") ? line.slice("gatehouse gateway listening on ".length) : undefined;
      options.onLog?.("combined", line);
    },
  });
  const store = { ...running, name: "store" };
  const inProcess = (name: ClusterService) => ({ ...running, name, address: "in-process", metricsAddress: undefined });
  const gateway = gatewayAddress === undefined ? [] : [{ ...running, name: "gateway", address: gatewayAddress, metricsAddress: undefined }];
  const worker = options.worker === true ? [inProcess("worker")] : [];
  return {
    authn: inProcess("authn"),
    authz: inProcess("authz"),
    store,
    ...(gateway[0] && { gateway: gateway[0] }),
    ...(worker[0] && { worker: worker[0] }),
    replicas: { authn: [inProcess("authn")], authz: [inProcess("authz")], store: [store], gateway, worker },
    storeTarget: store.address,
    stop: () => running.stop(),
  };
}
