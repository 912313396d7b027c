import { randomBytes } from "node:crypto";
import { startServiceProcess, type ServiceProcess } from "./service-process.js";
import { serviceTlsEnv } from "./tls-env.js";

/** How to start a whole Gatehouse. */
export interface ClusterOptions {
  /** Path of gatehouse.json. */
  configPath: string;
  databaseUrl: string;
  /** Unset: each process caches identities for itself. */
  redisUrl?: string;
  /** 1 for the embedded database. */
  databasePoolMax?: number;
  /** The store's port; 0 picks a free one. authn and authz always take free ports. */
  storePort?: number;
  /**
   * Also start the LangGraph HTTP gateway in front of the store, on this port
   * (0 picks a free one). Unset: no gateway.
   */
  gatewayPort?: number;
  host?: string;
  /**
   * A directory written by `npm run certs`: authn and authz then serve mutual
   * TLS, and every service presents its own `<name>.pem`. Unset: plaintext.
   */
  certsDir?: string;
  /** Extra environment for every service. */
  env?: Record<string, string | undefined>;
  onLog?: (service: string, line: string) => void;
}

/** A running Gatehouse: one process per service. */
export interface Cluster {
  authn: ServiceProcess;
  authz: ServiceProcess;
  store: ServiceProcess;
  /** The LangGraph HTTP gateway, when `gatewayPort` was given. */
  gateway?: ServiceProcess;
  stop(): Promise<void>;
}

/**
 * Starts authn and authz, then the store pointed at them, then (when asked)
 * the gateway pointed at the store, each in its own process on loopback,
 * sharing one identity-cache secret.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const host = options.host ?? "127.0.0.1";
  const env = {
    GATEHOUSE_CONFIG: options.configPath,
    GATEHOUSE_CACHE_SECRET: process.env.GATEHOUSE_CACHE_SECRET ?? randomBytes(32).toString("hex"),
    REDIS_URL: options.redisUrl ?? "",
    ...options.env,
  };
  const tls = (service: string) => (options.certsDir === undefined ? {} : serviceTlsEnv(options.certsDir, service));
  const log = (service: string) => (options.onLog ? (line: string) => options.onLog!(service, line) : undefined);
  const started: ServiceProcess[] = [];
  try {
    const [authn, authz] = await Promise.all([
      startServiceProcess({ name: "authn", env: { ...env, ...tls("authn"), AUTHN_HOST: host, AUTHN_PORT: "0" }, onLog: log("authn") }).then(track),
      startServiceProcess({ name: "authz", env: { ...env, ...tls("authz"), AUTHZ_HOST: host, AUTHZ_PORT: "0" }, onLog: log("authz") }).then(track),
    ]);
    const store = track(
      await startServiceProcess({
        name: "store",
        env: {
          ...env,
          ...tls("store"),
          STORE_HOST: host,
          STORE_PORT: String(options.storePort ?? 0),
          DATABASE_URL: options.databaseUrl,
          DATABASE_POOL_MAX: options.databasePoolMax === undefined ? undefined : String(options.databasePoolMax),
          AUTHN_TARGET: authn.address,
          AUTHZ_TARGET: authz.address,
        },
        onLog: log("store"),
      }),
    );
    const gateway =
      options.gatewayPort === undefined
        ? undefined
        : track(
            await startServiceProcess({
              name: "gateway",
              env: { ...env, ...tls("gateway"), GATEWAY_HOST: host, GATEWAY_PORT: String(options.gatewayPort), STORE_TARGET: store.address },
              onLog: log("gateway"),
            }),
          );
    return { authn, authz, store, ...(gateway && { gateway }), stop: () => stopAll(started) };
  } catch (error) {
    await stopAll(started);
    throw error;
  }

  function track(service: ServiceProcess): ServiceProcess {
    started.push(service);
    return service;
  }
}

async function stopAll(services: ServiceProcess[]): Promise<void> {
  // Front to back (gateway, store, then authn and authz), so no request reaches a stopped dependency.
  for (const front of ["gateway", "store"]) {
    await Promise.all(services.filter((service) => service.name === front).map((service) => service.stop()));
  }
  await Promise.all(services.filter((service) => service.name !== "gateway" && service.name !== "store").map((service) => service.stop()));
}
