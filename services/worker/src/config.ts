import { gatehouseConfigSettings } from "@gatehouse/auth";
import { defineConfig, intSetting, portSetting, textSetting, type ConfigOf } from "@gatehouse/config";
import { redisTargetSettings } from "@gatehouse/redis";
import { internalServerTlsSettings, metricsSettings, processSettings, serverLimitSettings, shutdownSettings } from "@gatehouse/server";

/** The worker's configuration, read from the environment once at start-up (README, "Runs execute"). */
export interface WorkerConfig {
  /** GATEHOUSE_CONFIG: gatehouse.json, naming the graphs. */
  configPath: string;
  /** DATABASE_URL: the store's Postgres; checkpoints go in its `gatehouse_checkpoints` schema. */
  databaseUrl: string;
  /** DATABASE_POOL_MAX (default 10, at least 2: the checkpoint set-up holds one connection while it uses another). */
  databasePoolMax: number;
  /** REDIS_URL: where run events go, when set. */
  redisUrl: string | undefined;
  /** WORKER_CONCURRENCY (default 4): runs executed at once. */
  concurrency: number;
  /** WORKER_LEASE_MS (default 30000): how long a claim lasts without a heartbeat; heartbeats come every third of it. */
  leaseMs: number;
  /** WORKER_POLL_MS (default 1000): how often to look for runs when no notification arrives. */
  pollMs: number;
  /** WORKER_MAX_ATTEMPTS (default 2): executions a run gets before a lost lease marks it error. */
  maxAttempts: number;
  /** WORKER_RUN_TIMEOUT_MS (default 0, none): the timeout of a run whose kwargs set no `timeout_ms`. */
  runTimeoutMs: number;
  /** WORKER_LISTEN (default 1): 0 turns LISTEN/NOTIFY wake-ups off, leaving polling. */
  listen: boolean;
  /** WORKER_HOST, WORKER_PORT (default 127.0.0.1:50054): where WorkerService listens. */
  host: string;
  port: number;
}

/** Every variable the worker reads, read once in main.ts (README, "Configuration", and "Runs execute"). */
export const workerConfig = defineConfig("worker", {
  ...gatehouseConfigSettings,
  databaseUrl: textSetting("DATABASE_URL", "the store's Postgres; checkpoints go in its `gatehouse_checkpoints` schema", "postgres://postgres@127.0.0.1:5432/postgres"),
  databasePoolMax: intSetting("DATABASE_POOL_MAX", "Postgres connections per process (the worker needs at least 2)", 10, { min: 2 }),
  redisUrl: redisTargetSettings.redisUrl,
  concurrency: intSetting("WORKER_CONCURRENCY", "runs a worker executes at once", 4, { min: 1, max: 1000 }),
  leaseMs: intSetting("WORKER_LEASE_MS", "how long a claim lasts without a heartbeat", 30_000, { min: 300 }),
  pollMs: intSetting("WORKER_POLL_MS", "how often to look for runs when no notification arrives", 1_000, { min: 10 }),
  maxAttempts: intSetting("WORKER_MAX_ATTEMPTS", "executions a run gets before a lost lease marks it error", 2, { min: 1, max: 100 }),
  runTimeoutMs: intSetting("WORKER_RUN_TIMEOUT_MS", "the timeout of a run whose kwargs set none (0: none)", 0),
  listenFlag: intSetting("WORKER_LISTEN", "1 wakes the worker by LISTEN/NOTIFY, 0 leaves polling", 1, { max: 1 }),
  host: textSetting("WORKER_HOST", "where WorkerService listens", "127.0.0.1"),
  port: portSetting("WORKER_PORT", "WorkerService's port (0 picks a free one)", 50054),
  ...serverLimitSettings,
  ...internalServerTlsSettings,
  ...metricsSettings,
  ...shutdownSettings,
  ...processSettings,
});

/** The worker's configuration from the values of its table. */
export function workerConfigOf(values: ConfigOf<typeof workerConfig.settings>): WorkerConfig {
  return {
    configPath: values.configPath,
    databaseUrl: values.databaseUrl,
    databasePoolMax: values.databasePoolMax,
    redisUrl: values.redisUrl,
    concurrency: values.concurrency,
    leaseMs: values.leaseMs,
    pollMs: values.pollMs,
    maxAttempts: values.maxAttempts,
    runTimeoutMs: values.runTimeoutMs,
    listen: values.listenFlag === 1,
    host: values.host,
    port: values.port,
  };
}
