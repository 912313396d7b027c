import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openCheckpointer } from "./checkpointer.js";
import { createExecutionsTable, testGraphs } from "./testing/graphs.js";
import { createInMemoryRunEventLog } from "./testing/in-memory-run-event-log.js";
import { startTestWorker } from "./testing/test-worker.js";
import { createWorkerTestDatabase, eventually, insertThread, type WorkerTestDatabase } from "./testing/worker-database.js";
import type { Worker } from "./worker.js";

const serverUrl = process.env.DATABASE_URL;

describe.skipIf(!serverUrl)("two workers sharing one queue", () => {
  let database: WorkerTestDatabase;
  const workers: Worker[] = [];
  const executedBy = [0, 0];

  beforeAll(async () => {
    database = await createWorkerTestDatabase(serverUrl!);
    await createExecutionsTable(database.pool);
    const checkpointer = await openCheckpointer(database.pool);
    const graphs = testGraphs(database.pool, checkpointer);
    const events = createInMemoryRunEventLog();
    for (let i = 0; i < 2; i += 1) {
      workers.push(await startTestWorker(database.pool, graphs, { events, listenUrl: database.url, concurrency: 4, workerId: `worker-${i + 1}`, onOutcome: () => (executedBy[i] = (executedBy[i] ?? 0) + 1) }));
    }
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.loop.stop(0)));
    await database?.drop();
  });

  it("executes each of 200 runs created at once exactly once, none left pending or running", { timeout: 120_000 }, async () => {
    // 50 threads with 4 runs each: runs of one thread must also never overlap.
    const threads = await Promise.all(Array.from({ length: 50 }, () => insertThread(database.pool)));
    const { rows: created } = await database.pool.query<{ run_id: string }>(
      `INSERT INTO runs (run_id, thread_id, assistant_id, kwargs)
       SELECT gen_random_uuid(), thread_id, 'counting', '{"input": {"messages": [{"role": "user", "content": "hi"}]}}'::jsonb
       FROM unnest($1::uuid[]) AS thread_id, generate_series(1, 4)
       RETURNING run_id`,
      [threads],
    );
    expect(created).toHaveLength(200);

    await eventually(
      async () => {
        const { rows } = await database.pool.query<{ open: string }>("SELECT count(*) AS open FROM runs WHERE status IN ('pending', 'running')");
        return rows[0]!.open === "0" ? true : undefined;
      },
      110_000,
      "every run to finish",
    );

    const { rows: statuses } = await database.pool.query<{ status: string; count: string }>("SELECT status, count(*) FROM runs GROUP BY status");
    expect(statuses).toEqual([{ status: "success", count: "200" }]);
    const { rows: executions } = await database.pool.query<{ run_id: string; count: string }>(
      "SELECT run_id, count(*) FROM node_executions GROUP BY run_id",
    );
    expect(executions).toHaveLength(200);
    expect(executions.every((row) => row.count === "1")).toBe(true);
    expect(new Set(executions.map((row) => row.run_id))).toEqual(new Set(created.map((row) => row.run_id)));

    // Both workers took part, and every thread holds its 4 exchanges.
    expect(executedBy[0]! + executedBy[1]!).toBe(200);
    expect(Math.min(...executedBy)).toBeGreaterThan(0);
    const { rows: attempts } = await database.pool.query<{ attempt: number }>("SELECT DISTINCT attempt FROM runs");
    expect(attempts).toEqual([{ attempt: 1 }]);
    const { rows: conversations } = await database.pool.query<{ length: number; status: string }>(
      `SELECT jsonb_array_length("values" -> 'messages') AS length, status FROM threads`,
    );
    expect(conversations.every((thread) => thread.length === 8 && thread.status === "idle")).toBe(true);
  });
});
