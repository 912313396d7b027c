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
  databasePoolMax: intSetting("DATABASE_POOL_MAX", "Postgres connections per process (1 on the embedded database, which runs one query at a time)", 10, { min: 1 }),
  preparedStatements: boolSetting("DATABASE_PREPARED_STATEMENTS", "`false`: the store names no prepared statements (behind PgBouncer in transaction mode)", true),
  preparedStatementsMax: intSetting("DATABASE_PREPARED_STATEMENTS_MAX", "distinct statement texts the store names per process (reads and writes by key); others run unnamed, as do searches, counts and lists (planned for their own values) and any text embedding a client's item filter", 500),
  authnTarget: textSetting("AUTHN_TARGET", "the grpc-js target the store calls authn at; `dns:///authn:50052` or `ipv4:10.0.0.5:50052,10.0.0.6:50052` balances over every replica", "127.0.0.1:50052"),
  authzTarget: textSetting("AUTHZ_TARGET", "the grpc-js target the store calls authz at, balanced like `AUTHN_TARGET`", "127.0.0.1:50053"),
  workerTarget: textSetting("WORKER_TARGET", "the grpc-js target the store calls the worker at (thread state, graphs), balanced like `AUTHN_TARGET`", "127.0.0.1:50054"),
  callTimeoutMs: intSetting("GATEHOUSE_CALL_TIMEOUT_MS", "deadline of store → authn / authz calls (shorter if the client's is)", 2_000, { min: 1 }),
  workerCallTimeoutMs: intSetting("WORKER_CALL_TIMEOUT_MS", "deadline of store → worker calls (shorter if the client's is)", 10_000, { min: 1 }),
  cronPollMs: intSetting("GATEHOUSE_CRON_POLL_MS", "how often each store replica looks for due crons; each due time fires once across replicas", 1_000, { min: 10 }),
  listen: boolSetting("WORKER_LISTEN", "`false` (or 0): read the Postgres run event log by polling instead of LISTEN/NOTIFY (the embedded database)", true),
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
