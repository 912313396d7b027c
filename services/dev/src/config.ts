import { choiceSetting, defineConfig, intSetting, optionalSetting, portSetting } from "@gatehouse/config";
import { redisTargetSettings } from "@gatehouse/identity";
import { processSettings } from "@gatehouse/server";

/** Every variable `npm start` reads, read once in main.ts (README, "Configuration"); the services it starts read their own. */
export const devConfig = defineConfig("npm start", {
  configPath: optionalSetting("GATEHOUSE_CONFIG", "gatehouse.json: the auth module and the graphs", "`gatehouse.json` at the repository root"),
  databaseUrl: optionalSetting("DATABASE_URL", "the Postgres of threads, assistants, runs and items", "embedded PGlite (`npm start`)"),
  dataDir: optionalSetting("GATEHOUSE_DATA_DIR", "where the embedded PGlite keeps its data", "`.gatehouse/pglite`"),
  redisUrl: redisTargetSettings.redisUrl,
  storePort: portSetting("STORE_PORT", "the store's client-facing gRPC port (0 picks a free one)", 50051),
  gatewayPort: portSetting("GATEWAY_PORT", "the LangGraph HTTP API's port (the SDK's default URL)", 8123),
  authnPort: portSetting("AUTHN_PORT", "authn's port (0 picks a free one)", 0),
  authzPort: portSetting("AUTHZ_PORT", "authz's port (0 picks a free one)", 0),
  tlsDir: optionalSetting("GATEHOUSE_TLS_DIR", "a directory written by `npm run certs`: mutual TLS between the split services", "plaintext"),
  replicas: intSetting("GATEHOUSE_REPLICAS", "processes of every service (split topology)", 1, { min: 1, max: 16 }),
  topology: choiceSetting(
    "GATEHOUSE_TOPOLOGY",
    "`split`: one process per service; `combined`: every service in one process; `auto`: combined on the embedded database, split with `DATABASE_URL` or `GATEHOUSE_REPLICAS` (see [Topologies](#topologies))",
    ["auto", "split", "combined"],
    "auto",
  ),
  logLevel: processSettings.logLevel,
});

/** `npm start`'s configuration, typed. */
export type DevConfig = ReturnType<typeof devConfig.read>;
