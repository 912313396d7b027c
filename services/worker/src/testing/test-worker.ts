import type { LoadedGraph } from "@gatehouse/graphs";
import { createLogger } from "@gatehouse/server";
import type pg from "pg";
import { startWorker, type Worker, type WorkerOptions } from "../worker.js";
import { createInMemoryRunEventLog } from "./in-memory-run-event-log.js";

/** Starts a worker on a test database with test-friendly timings; stop it with `loop.stop(0)`. */
export async function startTestWorker(
  pool: pg.Pool,
  graphs: ReadonlyMap<string, LoadedGraph>,
  options: Partial<WorkerOptions> & { events?: ReturnType<typeof createInMemoryRunEventLog> } = {},
): Promise<Worker & { events: ReturnType<typeof createInMemoryRunEventLog> }> {
  const events = options.events ?? createInMemoryRunEventLog();
  const worker = await startWorker(
    { db: pool, graphs, events, logger: createLogger("worker-test") },
    { concurrency: 4, leaseMs: 3_000, pollMs: 50, maxAttempts: 2, runTimeoutMs: 0, ...options },
  );
  return { ...worker, events };
}
