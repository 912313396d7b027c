import { gatehouseConfigSettings } from "@gatehouse/auth";
import { boolSetting, defineConfig, intSetting, portSetting, textSetting } from "@gatehouse/config";
import { identitySettings } from "@gatehouse/identity";
import {
  internalTlsFileSettings,
  keepaliveSettings,
  metricsSettings,
  processSettings,
  rateLimitSettings,
  serverLimitSettings,
  shutdownSettings,
} from "@gatehouse/server";

/** Every variable the store reads, read once in main.ts (README, "Configuration"). */
export const storeConfig = defineConfig("store", {
  ...gatehouseConfigSettings,
  host: textSetting("STORE_HOST", "where the store listens", "127.0.0.1"),
  port: portSetting("STORE_PORT", "the store's client-facing gRPC port (0 picks a free one)", 50051),
  databaseUrl: textSetting("DATABASE_URL", "the Postgres of threads, assistants, runs and items", "postgres://postgres@127.0.0.1:5432/postgres"),
  databasePoolMax: intSetting("DATABASE_POOL_MAX", "Postgres connections per process", 10, { min: 1 }),
  preparedStatements: boolSetting("DATABASE_PREPARED_STATEMENTS", "name statements so Postgres plans them once per connection (false behind PgBouncer before 1.21)", true),
  preparedStatementsMax: intSetting("DATABASE_PREPARED_STATEMENTS_MAX", "statements each Postgres connection keeps prepared", 500),
  authnTarget: textSetting("AUTHN_TARGET", "authn's address (`ipv4:a:p,b:q` or `dns:///name:port` balances over replicas)", "127.0.0.1:50052"),
  authzTarget: textSetting("AUTHZ_TARGET", "authz's address", "127.0.0.1:50053"),
  callTimeoutMs: intSetting("GATEHOUSE_CALL_TIMEOUT_MS", "the deadline of the store's calls to authn and authz", 2_000, { min: 1 }),
  healthIntervalMs: intSetting("GATEHOUSE_HEALTH_INTERVAL_MS", "how often the store checks that Postgres answers", 2_000, { min: 100 }),
  ...identitySettings,
  ...rateLimitSettings,
  ...serverLimitSettings,
  ...internalTlsFileSettings,
  ...keepaliveSettings,
  ...metricsSettings,
  ...shutdownSettings,
  ...processSettings,
});

/** The store's configuration, typed. */
export type StoreConfig = ReturnType<typeof storeConfig.read>;
