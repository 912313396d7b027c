import { openCheckpointer } from "../checkpointer.js";
import type { Worker } from "../worker.js";
import { testGraphs } from "./graphs.js";
import type { createInMemoryRunEventLog } from "./in-memory-run-event-log.js";
import { startTestWorker } from "./test-worker.js";
import { createWorkerTestDatabase, type WorkerTestDatabase } from "./worker-database.js";

/** A test worker running the test graphs on a migrated database of its own, and how to stop both. */
export interface WorkerOnTestDatabase {
  database: WorkerTestDatabase;
  worker: Worker & { events: ReturnType<typeof createInMemoryRunEventLog> };
  /** Stops the worker at once, then drops the database. */
  stop(): Promise<void>;
}

/**
 * Creates and migrates a throwaway database next to the one `serverUrl`
 * names and starts one test worker on it, woken by LISTEN on that database:
 * the set-up of the worker's integration tests that drive runs through a
 * single worker.
 */
export async function startWorkerOnTestDatabase(serverUrl: string): Promise<WorkerOnTestDatabase> {
  const database = await createWorkerTestDatabase(serverUrl);
  try {
    const checkpointer = await openCheckpointer(database.pool);
    const worker = await startTestWorker(database.pool, testGraphs(database.pool, checkpointer), { listenUrl: database.url });
    return {
      database,
      worker,
      async stop() {
        await worker.loop.stop(0);
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}
