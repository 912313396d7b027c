import { envInt, envOptional, envString } from "@gatehouse/server";

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

/** Reads and checks the worker's environment; a bad value stops start-up with a message naming the variable. */
export function workerConfigFromEnv(): WorkerConfig {
  return {
    configPath: envString("GATEHOUSE_CONFIG", "gatehouse.json"),
    databaseUrl: envString("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    databasePoolMax: envInt("DATABASE_POOL_MAX", 10, { min: 2 }),
    redisUrl: envOptional("REDIS_URL"),
    concurrency: envInt("WORKER_CONCURRENCY", 4, { min: 1, max: 1000 }),
    leaseMs: envInt("WORKER_LEASE_MS", 30_000, { min: 300 }),
    pollMs: envInt("WORKER_POLL_MS", 1_000, { min: 10 }),
    maxAttempts: envInt("WORKER_MAX_ATTEMPTS", 2, { min: 1, max: 100 }),
    runTimeoutMs: envInt("WORKER_RUN_TIMEOUT_MS", 0, { min: 0 }),
    listen: envInt("WORKER_LISTEN", 1, { min: 0, max: 1 }) === 1,
    host: envString("WORKER_HOST", "127.0.0.1"),
    port: envInt("WORKER_PORT", 50054, { max: 65535 }),
  };
}
