/**
 * `npm start`: every Gatehouse service on loopback. Without DATABASE_URL it
 * runs Postgres embedded (PGlite, data in GATEHOUSE_DATA_DIR); without
 * REDIS_URL each process caches identities in memory. GATEHOUSE_TOPOLOGY
 * chooses how the services run (README, "Topologies"): `combined`, the
 * default on the embedded database, runs them all in this process; `split`,
 * the default with DATABASE_URL or GATEHOUSE_REPLICAS above 1, one process
 * per service (GATEHOUSE_REPLICAS of each), as they are deployed. Every
 * variable it reads is declared in config.ts (README, "Configuration").
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { repoRoot, startCluster, startEmbeddedPostgres, type EmbeddedPostgres, type ServiceProcess } from "@gatehouse/launcher";
import { readConfigOrExit } from "@gatehouse/server";
import { readCombinedConfig } from "../../combined/src/config.js";
import { startCombined } from "../../combined/src/start.js";
import { devConfig } from "./config.js";

const config = readConfigOrExit(devConfig);
const configPath = resolve(config.configPath ?? resolve(repoRoot, "gatehouse.json"));
const certsDir = config.tlsDir;
const topology = config.topology !== "auto" ? config.topology : config.databaseUrl === undefined && config.replicas === 1 ? "combined" : "split";
let embedded: EmbeddedPostgres | undefined;
let databaseUrl = config.databaseUrl;
if (databaseUrl === undefined) {
  const dataDir = resolve(config.dataDir ?? resolve(repoRoot, ".gatehouse/pglite"));
  mkdirSync(dataDir, { recursive: true });
  embedded = await startEmbeddedPostgres(dataDir);
  databaseUrl = embedded.url;
}

try {
  const started = topology === "combined" ? await startInProcess(databaseUrl) : await startProcesses(databaseUrl);
  const stop = async () => {
    await started.stop();
    await embedded?.stop();
    process.exit(0);
  };
  // Before the banner: whoever reads "Press Ctrl+C to stop." may signal at once.
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
  process.stdout.write(
    [
      "",
      `Gatehouse is running (${topology} topology):`,
      ...started.lines,
      `  auth module from ${configPath}`,
      `  Postgres: ${embedded === undefined ? "DATABASE_URL" : "embedded PGlite"}; identity cache: ${config.redisUrl === undefined ? "in-process" : "Redis (REDIS_URL)"}`,
      "Press Ctrl+C to stop.",
      "",
    ].join("\n"),
  );
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  await embedded?.stop();
  process.exit(1);
}

/** The combined topology: every service in this process, next to the embedded database. */
async function startInProcess(url: string) {
  if (config.replicas > 1) throw new Error("GATEHOUSE_REPLICAS needs the split topology: the combined one is a single process");
  const combined = readCombinedConfig({
    ...process.env,
    GATEHOUSE_CONFIG: configPath,
    DATABASE_URL: url,
    STORE_PORT: String(config.storePort),
    GATEWAY_PORT: String(config.gatewayPort),
    ...(embedded && { ...embedded.storeEnv, DATABASE_POOL_MAX: "1" }),
  });
  const gatehouse = await startCombined(combined, { gateway: true, worker: true });
  return {
    lines: [
      `  store  ${gatehouse.store}   (client-facing gRPC: ThreadService, AssistantService, RunService, CronService, ItemService, CallerService)`,
      `  gateway  http://${gatehouse.gateway}   (client-facing LangGraph HTTP API for @langchain/langgraph-sdk's Client)`,
      "  authn, authz, worker  in this process (no ports)",
    ],
    stop: () => gatehouse.stop(),
  };
}

/** The split topology: one process per replica of each service. */
async function startProcesses(url: string) {
  const replicas = config.replicas;
  const cluster = await startCluster({
    topology: "split",
    configPath,
    databaseUrl: url,
    redisUrl: config.redisUrl,
    databasePoolMax: embedded === undefined ? undefined : 1,
    storePort: config.storePort,
    gatewayPort: config.gatewayPort,
    authnPort: config.authnPort,
    authzPort: config.authzPort,
    worker: true,
    certsDir,
    replicas: { authn: replicas, authz: replicas, store: embedded === undefined ? replicas : 1, gateway: replicas, worker: replicas },
    ...(embedded && { env: embedded.storeEnv }),
    onLog: (_service, line) => process.stdout.write(`${line}\n`),
  });
  const internal = certsDir === undefined ? "internal" : "internal, mutual TLS";
  return {
    lines: [
      `  store  ${addresses(cluster.replicas.store)}   (client-facing gRPC: ThreadService, AssistantService, RunService, CronService, ItemService, CallerService)`,
      `  gateway  ${addresses(cluster.replicas.gateway, "http://")}   (client-facing LangGraph HTTP API for @langchain/langgraph-sdk's Client)`,
      `  authn  ${addresses(cluster.replicas.authn)}   (${internal})`,
      `  authz  ${addresses(cluster.replicas.authz)}   (${internal})`,
      cluster.replicas.worker.length > 0
        ? `  worker  ${addresses(cluster.replicas.worker)}   (${internal}; executes runs)`
        : "  worker  not started: the embedded database serves one connection; set DATABASE_URL to execute runs",
    ],
    stop: () => cluster.stop(),
  };
}

function addresses(replicas: readonly ServiceProcess[], scheme = ""): string {
  return replicas.map(({ address }) => `${scheme}${address}`).join(", ");
}
