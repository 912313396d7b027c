import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { LoadedGraph } from "@gatehouse/graphs";
import type { RunEventLog } from "@gatehouse/run-events";
import type { Logger } from "@gatehouse/server";
import type pg from "pg";
import { createRunExecutor, type RunOutcome } from "./execute-run.js";
import { createRunQueue, type ClaimedRun, type RunQueue } from "./run-queue.js";
import { startWorkerLoop, type WorkerLoop } from "./worker-loop.js";

/** How one worker executes runs; see README, "Runs execute". */
export interface WorkerOptions {
  concurrency: number;
  leaseMs: number;
  pollMs: number;
  maxAttempts: number;
  /** The timeout of a run that sets none; 0 for none. */
  runTimeoutMs: number;
  /** Postgres URL to LISTEN on for wake-ups; polling only when unset. */
  listenUrl?: string;
  /** Recorded in `claimed_by`; unique per process by default. */
  workerId?: string;
  onOutcome?: (run: ClaimedRun, outcome: RunOutcome) => void;
}

/** What a worker uses: the store's database, its graphs (with the checkpointer) and the event log. */
export interface WorkerDeps {
  db: pg.Pool;
  graphs: ReadonlyMap<string, LoadedGraph>;
  events: RunEventLog;
  logger: Logger;
}

/** A running worker. */
export interface Worker {
  workerId: string;
  queue: RunQueue;
  loop: WorkerLoop;
}

/** Starts claiming and executing runs with the given graphs. */
export async function startWorker(deps: WorkerDeps, options: WorkerOptions): Promise<Worker> {
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const queue = createRunQueue(deps.db, { workerId, leaseMs: options.leaseMs, maxAttempts: options.maxAttempts });
  const execute = createRunExecutor({ db: deps.db, queue, graphs: deps.graphs, events: deps.events, defaultTimeoutMs: options.runTimeoutMs, logger: deps.logger });
  const loop = await startWorkerLoop(
    { queue, execute, events: deps.events },
    {
      concurrency: options.concurrency,
      leaseMs: options.leaseMs,
      pollMs: options.pollMs,
      ...(options.listenUrl !== undefined && { listenUrl: options.listenUrl }),
      logger: deps.logger,
      ...(options.onOutcome && { onOutcome: options.onOutcome }),
    },
  );
  loop.wake();
  return { workerId, queue, loop };
}
