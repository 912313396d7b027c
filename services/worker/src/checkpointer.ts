import type { RunnableConfig } from "@langchain/core/runnables";
import type { ChannelVersions, Checkpoint, CheckpointMetadata, PendingWrite } from "@langchain/langgraph-checkpoint";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type pg from "pg";

// The ids a run executes with that its checkpoints record, as LangGraph
// servers record them: rollback finds a run's checkpoints by run_id, and a
// thread's history shows which run wrote each state.
const recordedKeys = ["run_id", "thread_id", "graph_id", "assistant_id"] as const;

/**
 * PostgresSaver that also records the run's ids (from `configurable`) in each
 * checkpoint's metadata, which LangGraph.js's saver does not do by itself,
 * and keeps track of each run's writes still in flight: an aborted graph can
 * leave a write that lands after it stopped, and a rollback must wait for it.
 */
export class RunRecordingSaver extends PostgresSaver {
  private readonly inFlight = new Map<string, Set<Promise<unknown>>>();

  override put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): Promise<RunnableConfig> {
    const configurable = config.configurable ?? {};
    const recorded = Object.fromEntries(recordedKeys.filter((key) => typeof configurable[key] === "string").map((key) => [key, configurable[key]]));
    return this.tracked(config, super.put(config, checkpoint, { ...metadata, ...recorded } as CheckpointMetadata, newVersions));
  }

  override putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    return this.tracked(config, super.putWrites(config, writes, taskId));
  }

  /** Resolves once no write of the run is in flight. */
  async settled(runId: string): Promise<void> {
    for (let pending = this.inFlight.get(runId); pending && pending.size > 0; pending = this.inFlight.get(runId)) {
      await Promise.allSettled([...pending]);
    }
  }

  private tracked<T>(config: RunnableConfig, write: Promise<T>): Promise<T> {
    const runId = config.configurable?.run_id;
    if (typeof runId !== "string") return write;
    let pending = this.inFlight.get(runId);
    if (pending === undefined) this.inFlight.set(runId, (pending = new Set()));
    pending.add(write);
    const done = () => {
      pending.delete(write);
      if (pending.size === 0 && this.inFlight.get(runId) === pending) this.inFlight.delete(runId);
    };
    write.then(done, done);
    return write;
  }
}

/** Waits until the run's checkpoint writes through this saver have landed (no-op for other savers). */
export async function checkpointWritesSettled(saver: unknown, runId: string): Promise<void> {
  if (saver instanceof RunRecordingSaver) await saver.settled(runId);
}

/** The schema LangGraph's checkpoint tables live in, apart from the store's tables. */
export const checkpointSchema = "gatehouse_checkpoints";

// An arbitrary constant naming the checkpoint-schema set-up among advisory locks.
const setupLockId = 0x6768_636b;

/**
 * LangGraph.js's PostgresSaver on the store's database, in its own schema,
 * recording the run's ids in each checkpoint's metadata.
 * Its tables are created (or migrated) once, under an advisory lock, so workers starting together do not race on `CREATE TABLE`.
 */
export async function openCheckpointer(pool: pg.Pool): Promise<RunRecordingSaver> {
  const saver = new RunRecordingSaver(pool, undefined, { schema: checkpointSchema });
  // A session lock, not one held by a transaction: setup() runs on other pooled connections, and
  // the embedded database's multiplexed socket runs only the transaction's own statements while one is open.
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [setupLockId]);
    try {
      await saver.setup();
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [setupLockId]);
    }
  } finally {
    client.release();
  }
  return saver;
}

/**
 * Deletes the checkpoints (and their pending writes) a run wrote on a thread,
 * found by the `run_id` LangGraph records in each checkpoint's metadata, so
 * the thread's latest checkpoint is again the one from before the run.
 */
export async function deleteRunCheckpoints(db: pg.Pool | pg.PoolClient, threadId: string, runId: string): Promise<number> {
  const { rows } = await db.query<{ count: string }>(
    `WITH removed AS (
       DELETE FROM ${checkpointSchema}.checkpoints WHERE thread_id = $1 AND metadata ->> 'run_id' = $2
       RETURNING thread_id, checkpoint_ns, checkpoint_id
     ), writes AS (
       DELETE FROM ${checkpointSchema}.checkpoint_writes w USING removed
       WHERE w.thread_id = removed.thread_id AND w.checkpoint_ns = removed.checkpoint_ns AND w.checkpoint_id = removed.checkpoint_id
     )
     SELECT count(*) AS count FROM removed`,
    [threadId, runId],
  );
  return Number(rows[0]?.count ?? 0);
}
