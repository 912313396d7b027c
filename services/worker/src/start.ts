import type { ServiceImpl } from "@connectrpc/connect";
import pg from "pg";
import { loadConfig } from "@gatehouse/auth";
import type { WorkerService } from "@gatehouse/contracts";
import { loadGraphs } from "@gatehouse/graphs";
import { createRunEventLogFor } from "@gatehouse/run-events";
import { migrate } from "@gatehouse/schema";
import { internalServerSecurity, serverLimitsOf, startMetrics, type Logger, type Metrics, type RunningService } from "@gatehouse/server";
import { openCheckpointer } from "./checkpointer.js";
import { workerConfigOf, type WorkerConfig } from "./config.js";
import { startWorkerServer } from "./server.js";
import { createWorkerService, type WorkerServiceDeps } from "./worker-service.js";
import { startWorker } from "./worker.js";

/** The worker's claim loop and its WorkerService without a port (README, "Topologies"). */
export interface WorkerParts {
  deps: WorkerServiceDeps;
  service: ServiceImpl<typeof WorkerService>;
  workerId: string;
  graphs: string[];
  /** Stops claiming, lets the runs in hand finish within graceMs (or go back to the queue), and releases Postgres. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Brings the schema up to date, loads the graphs gatehouse.json names, sets
 * up LangGraph's checkpoint tables in the store's Postgres, then claims and
 * executes runs, publishing their events to the log the store reads (Redis
 * Streams on REDIS_URL, else Postgres). The split
 * process serves WorkerService on gRPC; the combined one keeps it in process.
 */
export async function createWorkerParts(config: WorkerConfig, { logger }: { logger: Logger; metrics?: Metrics }): Promise<WorkerParts> {
  const gatehouse = await loadConfig(config.configPath);
  const db = new pg.Pool({ connectionString: config.databaseUrl, max: config.databasePoolMax, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000 });
  db.on("error", () => {
    // An idle client lost its connection; the pool replaces it on next use.
  });
  // Locked and idempotent, as the store runs it: either may start first.
  const applied = await migrate(db);
  logger.info({ applied }, "schema up to date");
  const checkpointer = await openCheckpointer(db);
  const graphs = await loadGraphs(config.configPath, gatehouse.graphs, checkpointer);
  const events = await createRunEventLogFor({ redisUrl: config.redisUrl, pool: db, listen: config.listen });
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
  const deps: WorkerServiceDeps = { graphs, writeThread: worker.queue.writeThread, db };
  return {
    deps,
    service: createWorkerService(deps),
    workerId: worker.workerId,
    graphs: [...graphs.keys()],
    async stop(graceMs) {
      await worker.loop.stop(graceMs);
      await events.close();
      await db.end();
    },
  };
}

/** The split worker: executes runs and serves WorkerService on WORKER_HOST:WORKER_PORT for the store. */
export async function startWorkerProcess(values: Parameters<typeof workerConfigOf>[0], { logger }: { logger: Logger }): Promise<RunningService> {
  const config = workerConfigOf(values);
  const security = internalServerSecurity(values, logger);
  const observed = await startMetrics("worker", values);
  const parts = await createWorkerParts(config, { logger, metrics: observed?.metrics });
  const server = await startWorkerServer(parts.deps, { host: config.host, port: config.port, logger, metrics: observed?.metrics, limits: serverLimitsOf(values), security });
  logger.info({ workerId: parts.workerId, graphs: parts.graphs, concurrency: config.concurrency, mutualTls: security.mutualTls }, "executing runs");
  return {
    address: `${config.host}:${server.port}`,
    metricsAddress: observed?.address,
    async stop() {
      // Both within one grace: calls drain while runs in hand finish (or go back to the queue).
      await Promise.all([server.stop(values.shutdownGraceMs), parts.stop(values.shutdownGraceMs)]);
      await observed?.close();
    },
  };
}
