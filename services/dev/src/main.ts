/**
 * `npm start`: every Gatehouse service on loopback, one process each.
 * Without DATABASE_URL it runs Postgres embedded (PGlite, data in
 * GATEHOUSE_DATA_DIR, default .gatehouse/pglite); without REDIS_URL each
 * process caches identities in memory. STORE_PORT (default 50051) is the
 * client-facing gRPC port, GATEWAY_PORT (default 8123, the LangGraph SDK's
 * default URL) the LangGraph HTTP API's; AUTHN_PORT and AUTHZ_PORT (default
 * 0, a free port) those of the internal services. GATEHOUSE_TLS_DIR, a directory
 * written by `npm run certs`, turns on mutual TLS between the services.
 * GATEHOUSE_REPLICAS (default 1) runs that many processes of every service
 * (one store on the embedded database, whose queries run one at a time),
 * the first of each service on those ports and the rest on free
 * ones, each client balancing over all replicas of what it calls. The
 * worker, which executes runs, runs GATEHOUSE_REPLICAS times too.
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { repoRoot, startCluster, startEmbeddedPostgres, type EmbeddedPostgres, type ServiceProcess } from "@gatehouse/launcher";
import { envInt, envOptional, envString } from "@gatehouse/server";

const configPath = resolve(envString("GATEHOUSE_CONFIG", resolve(repoRoot, "gatehouse.json")));
const certsDir = envOptional("GATEHOUSE_TLS_DIR");
let embedded: EmbeddedPostgres | undefined;
let databaseUrl = envOptional("DATABASE_URL");
if (databaseUrl === undefined) {
  const dataDir = resolve(envString("GATEHOUSE_DATA_DIR", resolve(repoRoot, ".gatehouse/pglite")));
  mkdirSync(dataDir, { recursive: true });
  embedded = await startEmbeddedPostgres(dataDir);
  databaseUrl = embedded.url;
}

const replicas = envInt("GATEHOUSE_REPLICAS", 1, { min: 1, max: 16 });

try {
  const cluster = await startCluster({
    configPath,
    databaseUrl,
    redisUrl: envOptional("REDIS_URL"),
    databasePoolMax: embedded === undefined ? undefined : 1,
    storePort: envInt("STORE_PORT", 50051, { max: 65535 }),
    gatewayPort: envInt("GATEWAY_PORT", 8123, { max: 65535 }),
    authnPort: envInt("AUTHN_PORT", 0, { max: 65535 }),
    authzPort: envInt("AUTHZ_PORT", 0, { max: 65535 }),
    worker: true,
    certsDir,
    replicas: { authn: replicas, authz: replicas, store: embedded === undefined ? replicas : 1, gateway: replicas, worker: replicas },
    ...(embedded && { env: embedded.storeEnv }),
    onLog: (_service, line) => process.stdout.write(`${line}\n`),
  });
  const internal = certsDir === undefined ? "internal" : "internal, mutual TLS";
  process.stdout.write(
    [
      "",
      "Gatehouse is running:",
      `  store  ${addresses(cluster.replicas.store)}   (client-facing gRPC: ThreadService, AssistantService, RunService, CronService, ItemService)`,
      `  gateway  ${addresses(cluster.replicas.gateway, "http://")}   (client-facing LangGraph HTTP API for @langchain/langgraph-sdk's Client)`,
      `  authn  ${addresses(cluster.replicas.authn)}   (${internal})`,
      `  authz  ${addresses(cluster.replicas.authz)}   (${internal})`,
      cluster.replicas.worker.length > 0
        ? `  worker  ${addresses(cluster.replicas.worker)}   (${internal}; executes runs)`
        : "  worker  not started: the embedded database serves one connection; set DATABASE_URL to execute runs",
      `  auth module from ${configPath}`,
      `  Postgres: ${embedded === undefined ? "DATABASE_URL" : "embedded PGlite"}; identity cache: ${envOptional("REDIS_URL") === undefined ? "in-process" : "Redis (REDIS_URL)"}`,
      "Press Ctrl+C to stop.",
      "",
    ].join("\n"),
  );
  const stop = async () => {
    await cluster.stop();
    await embedded?.stop();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  await embedded?.stop();
  process.exit(1);
}

function addresses(replicas: readonly ServiceProcess[], scheme = ""): string {
  return replicas.map(({ address }) => `${scheme}${address}`).join(", ");
}
