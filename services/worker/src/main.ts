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
 * DATABASE_URL (LISTEN unless WORKER_LISTEN=0); the store must be given the
 * same REDIS_URL. It brings the schema up to date first, as the store does
 * (the migration is locked and idempotent), so either may start first.
 */
import pg from "pg";
import { loadConfig } from "@gatehouse/auth";
import { loadGraphs } from "@gatehouse/graphs";
import { createRunEventLogFor } from "@gatehouse/run-events";
import { migrate } from "@gatehouse/schema";
import { createLogger, internalServerSecurityFromEnv, metricsFromEnv, runService, serverLimitsFromEnv, shutdownGraceFromEnv } from "@gatehouse/server";
import { openCheckpointer } from "./checkpointer.js";
import { workerConfigFromEnv } from "./config.js";
import { startWorkerServer } from "./server.js";
import { startWorker } from "./worker.js";

const logger = createLogger("worker");

await runService("worker", logger, async () => {
  const config = workerConfigFromEnv();
  const security = internalServerSecurityFromEnv(logger);
  const limits = serverLimitsFromEnv();
  const graceMs = shutdownGraceFromEnv();
  const gatehouse = await loadConfig(config.configPath);
  const db = new pg.Pool({ connectionString: config.databaseUrl, max: config.databasePoolMax, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000 });
  db.on("error", () => {
    // An idle client lost its connection; the pool replaces it on next use.
  });
  const applied = await migrate(db);
  logger.info({ applied }, "schema up to date");
  const checkpointer = await openCheckpointer(db);
  const graphs = await loadGraphs(config.configPath, gatehouse.graphs, checkpointer);
  const events = await createRunEventLogFor({ redisUrl: config.redisUrl, pool: db, listen: config.listen });
  const observed = await metricsFromEnv("worker");
  const worker = await startWorker(
    { db, graphs, events, logger },
    {
      concurrency: config.concurrency,
      leaseMs: config.leaseMs,
      pollMs: config.pollMs,
      maxAttempts: config.maxAttempts,
      runTimeoutMs: config.runTimeoutMs,
      ...(config.listen && { listenUrl: config.databaseUrl }),
      onOutcome: (run, outcome) => logger.info({ run_id: run.runId, attempt: run.attempt, outcome }, "run ended"),
    },
  );
  const server = await startWorkerServer(
    { graphs, writeThread: worker.queue.writeThread, db },
    { host: config.host, port: config.port, logger, metrics: observed?.metrics, limits, security },
  );
  logger.info({ workerId: worker.workerId, graphs: [...graphs.keys()], concurrency: config.concurrency, mutualTls: security.mutualTls }, "executing runs");
  return {
    address: `${config.host}:${server.port}`,
    metricsAddress: observed?.address,
    async stop() {
      // Both within one grace: calls drain while runs in hand finish (or go back to the queue).
      await Promise.all([server.stop(graceMs), worker.loop.stop(graceMs)]);
      await events.close();
      await db.end();
      await observed?.close();
    },
  };
});
