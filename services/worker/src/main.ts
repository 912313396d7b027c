/**
 * The worker process: loads the graphs gatehouse.json names (GATEHOUSE_CONFIG),
 * sets up LangGraph's checkpoint tables in the store's Postgres
 * (DATABASE_URL), then claims and executes runs (WORKER_CONCURRENCY at once,
 * leases of WORKER_LEASE_MS, WORKER_MAX_ATTEMPTS attempts, polling every
 * WORKER_POLL_MS besides LISTEN/NOTIFY) and serves WorkerService on
 * WORKER_HOST:WORKER_PORT for the store. GATEHOUSE_TLS_CA/CERT/KEY turn on
 * mutual TLS, answering only the callers named by
 * GATEHOUSE_TLS_ALLOWED_CALLERS (default store). Run events go to Redis
 * Streams on REDIS_URL when it is set, else to the Postgres run event log on
 * DATABASE_URL; the store must be given the same REDIS_URL. It brings the
 * schema up to date first, as the store does, so either may start first.
 * Every variable it reads is declared in config.ts (README, "Configuration").
 */
import { createLogger, readConfigOrExit, runService } from "@gatehouse/server";
import { workerConfig } from "./config.js";
import { startWorkerProcess } from "./start.js";

const config = readConfigOrExit(workerConfig);
const logger = createLogger("worker", config.logLevel);

await runService("worker", logger, () => startWorkerProcess(config, { logger }), config);
