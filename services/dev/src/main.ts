/**
 * `npm start`: every Gatehouse service on loopback, one process each.
 * Without DATABASE_URL it runs Postgres embedded (PGlite, data in
 * GATEHOUSE_DATA_DIR, default .gatehouse/pglite); without REDIS_URL each
 * process caches identities in memory. STORE_PORT (default 50051) is the
 * client-facing gRPC port, GATEWAY_PORT (default 8123, the LangGraph SDK's
 * default URL) the LangGraph HTTP API's. GATEHOUSE_TLS_DIR, a directory
 * written by `npm run certs`, turns on mutual TLS between the services.
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { repoRoot, startCluster, startEmbeddedPostgres, type EmbeddedPostgres } from "@gatehouse/launcher";
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

try {
  const cluster = await startCluster({
    configPath,
    databaseUrl,
    redisUrl: envOptional("REDIS_URL"),
    databasePoolMax: embedded === undefined ? undefined : 1,
    storePort: envInt("STORE_PORT", 50051, { max: 65535 }),
    gatewayPort: envInt("GATEWAY_PORT", 8123, { max: 65535 }),
    certsDir,
    onLog: (_service, line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(
    [
      "",
      "Gatehouse is running:",
      `  store  ${cluster.store.address}   (client-facing gRPC: ThreadService, AssistantService, RunService, CronService, ItemService)`,
      `  gateway  http://${cluster.gateway!.address}   (client-facing LangGraph HTTP API for @langchain/langgraph-sdk's Client)`,
      `  authn  ${cluster.authn.address}   (${certsDir === undefined ? "internal" : "internal, mutual TLS"})`,
      `  authz  ${cluster.authz.address}   (${certsDir === undefined ? "internal" : "internal, mutual TLS"})`,
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
