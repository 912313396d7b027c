import type pg from "pg";
import { deleteRunCheckpoints } from "./checkpointer.js";

/** A run's `kwargs` as the store records them (LangGraph's run kwargs). */
export type RunKwargs = Record<string, unknown>;

/** How a cancel asks the worker to stop a running run. */
export type CancelAction = "interrupt" | "rollback";

/** A run this worker holds the lease of. */
export interface ClaimedRun {
  runId: string;
  threadId: string;
  assistantId: string;
  kwargs: RunKwargs;
  metadata: Record<string, unknown>;
  /** 1 for the first execution, 2 for the first retry, … */
  attempt: number;
  createdAt: Date;
}

/** A run's final status, as LangGraph names them. */
export type FinalRunStatus = "success" | "error" | "timeout" | "interrupted";

/** What the thread looks like after a run, written with the run's final status. */
export interface ThreadAfterRun {
  status: "idle" | "interrupted" | "error";
  /** The latest checkpoint's values as JSON text; null keeps the thread's. */
  valuesJson: string | null;
  /** Pending interrupts by task id, as JSON text; null keeps the thread's. */
  interruptsJson: string | null;
}

/** A run the sweeper took back from a worker whose lease expired. */
export interface SweptRun {
  runId: string;
  threadId: string;
  /** `pending` when it will be retried, `error` when it had no attempts left. */
  status: "pending" | "error";
  attempt: number;
}

/** What a heartbeat learned. */
export interface Renewal {
  /** False when the run is no longer this worker's (swept, cancelled by status, deleted). */
  held: boolean;
  cancelAction: CancelAction | undefined;
}

/** How the queue leases runs. */
export interface RunQueueOptions {
  /** This worker's name, recorded in `claimed_by`. */
  workerId: string;
  leaseMs: number;
  /** Attempts a run gets before a lost lease marks it `error`. */
  maxAttempts: number;
}

interface RunRow {
  run_id: string;
  thread_id: string;
  assistant_id: string;
  kwargs: RunKwargs;
  metadata: Record<string, unknown>;
  attempt: number;
  created_at: Date;
}

function toClaimed(row: RunRow): ClaimedRun {
  return {
    runId: row.run_id,
    threadId: row.thread_id,
    assistantId: row.assistant_id,
    kwargs: row.kwargs,
    metadata: row.metadata,
    attempt: row.attempt,
    createdAt: row.created_at,
  };
}

// The oldest pending run that is due, on a thread no run is running on. Both
// rows are locked with SKIP LOCKED, so concurrent claimers pass over each
// other's candidates instead of waiting; `threads.status <> 'busy'` is
// re-checked on the newest thread row when a lock was contended, so a thread
// another worker just claimed is never claimed twice.
const claimSql = `
  WITH candidate AS (
    SELECT runs.run_id FROM runs JOIN threads ON threads.thread_id = runs.thread_id
    WHERE runs.status = 'pending' AND runs.not_before <= now() AND threads.status <> 'busy'
      AND NOT EXISTS (SELECT 1 FROM runs running WHERE running.thread_id = runs.thread_id AND running.status = 'running')
    ORDER BY runs.created_at, runs.run_id
    LIMIT 1
    FOR UPDATE OF runs, threads SKIP LOCKED
  ), claimed AS (
    UPDATE runs SET status = 'running', claimed_by = $1, lease_until = now() + make_interval(secs => $2::double precision / 1000),
      attempt = runs.attempt + 1, cancel_action = NULL, updated_at = now()
    FROM candidate WHERE runs.run_id = candidate.run_id
    RETURNING runs.run_id, runs.thread_id, runs.assistant_id, runs.kwargs, runs.metadata, runs.attempt, runs.created_at
  ), busy AS (
    UPDATE threads SET status = 'busy', updated_at = now() FROM claimed WHERE threads.thread_id = claimed.thread_id
  )
  SELECT * FROM claimed`;

const renewSql = `
  UPDATE runs SET lease_until = now() + make_interval(secs => $4::double precision / 1000)
  WHERE run_id = $1 AND claimed_by = $2 AND attempt = $3 AND status = 'running'
  RETURNING cancel_action`;

// The run's final status and its thread's state in one statement, only while
// this worker still holds the run: a worker that lost its lease writes nothing.
const finishSql = `
  WITH finished AS (
    UPDATE runs SET status = $4, claimed_by = NULL, lease_until = NULL, updated_at = now()
    WHERE run_id = $1 AND claimed_by = $2 AND attempt = $3 AND status = 'running'
    RETURNING thread_id
  ), thread AS (
    UPDATE threads SET status = $5, "values" = COALESCE($6::jsonb, threads."values"), interrupts = COALESCE($7::jsonb, threads.interrupts), updated_at = now()
    FROM finished WHERE threads.thread_id = finished.thread_id
  )
  SELECT thread_id FROM finished`;

// Hands a run back untouched (its attempt not counted), for a worker shutting down.
const releaseSql = `
  WITH released AS (
    UPDATE runs SET status = 'pending', claimed_by = NULL, lease_until = NULL, attempt = runs.attempt - 1, updated_at = now()
    WHERE run_id = $1 AND claimed_by = $2 AND attempt = $3 AND status = 'running'
    RETURNING thread_id
  ), thread AS (
    UPDATE threads SET status = 'idle', updated_at = now() FROM released WHERE threads.thread_id = released.thread_id
  )
  SELECT thread_id FROM released`;

// Running runs whose lease expired: their worker died or lost Postgres. Each
// goes back to pending while attempts remain, else to error; its thread stops
// being busy. SKIP LOCKED lets every worker sweep without waiting on another.
const sweepSql = `
  WITH expired AS (
    SELECT run_id FROM runs WHERE status = 'running' AND lease_until < now()
    ORDER BY lease_until LIMIT 100
    FOR UPDATE SKIP LOCKED
  ), swept AS (
    UPDATE runs SET status = CASE WHEN runs.attempt < $1 THEN 'pending' ELSE 'error' END,
      claimed_by = NULL, lease_until = NULL, cancel_action = NULL, updated_at = now()
    FROM expired WHERE runs.run_id = expired.run_id
    RETURNING runs.run_id, runs.thread_id, runs.status, runs.attempt
  ), thread AS (
    UPDATE threads SET status = CASE WHEN swept.status = 'error' THEN 'error' ELSE 'idle' END, updated_at = now()
    FROM swept WHERE threads.thread_id = swept.thread_id AND threads.status = 'busy'
  )
  SELECT run_id, thread_id, status, attempt FROM swept`;

// A thread left busy with no running run (its worker died between two
// statements, such as a rollback's delete and its thread write) is idle
// again once a lease has passed since it last changed.
const repairSql = `
  UPDATE threads SET status = 'idle', updated_at = now()
  WHERE thread_id IN (
    SELECT thread_id FROM threads
    WHERE status = 'busy' AND updated_at < now() - make_interval(secs => $1::double precision / 1000)
      AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.thread_id = threads.thread_id AND runs.status = 'running')
    LIMIT 100
    FOR UPDATE SKIP LOCKED
  )
  RETURNING thread_id`;

/**
 * The runs table as a work queue with leases (README, "Runs execute"). Every
 * write after the claim is guarded by `claimed_by` and `attempt`, so a worker
 * whose lease was swept can no longer change the run: a claimed run is
 * executed to completion by one worker only.
 */
export function createRunQueue(db: pg.Pool, options: RunQueueOptions) {
  const owner = (run: ClaimedRun) => [run.runId, options.workerId, run.attempt];
  return {
    /** Claims the oldest due pending run, marking it running and its thread busy; undefined when none is free. */
    async claim(): Promise<ClaimedRun | undefined> {
      const { rows } = await db.query<RunRow>(claimSql, [options.workerId, options.leaseMs]);
      return rows[0] && toClaimed(rows[0]);
    },

    /** Extends the lease of a run this worker holds, and reports a cancel request. */
    async renew(run: ClaimedRun): Promise<Renewal> {
      const { rows } = await db.query<{ cancel_action: CancelAction | null }>(renewSql, [...owner(run), options.leaseMs]);
      return { held: rows.length > 0, cancelAction: rows[0]?.cancel_action ?? undefined };
    },

    /** Records the run's final status and its thread's state; false when the run was no longer this worker's. */
    async finish(run: ClaimedRun, status: FinalRunStatus, thread: ThreadAfterRun): Promise<boolean> {
      const { rows } = await db.query(finishSql, [...owner(run), status, thread.status, thread.valuesJson, thread.interruptsJson]);
      return rows.length > 0;
    },

    /**
     * Deletes a cancelled run's row and the checkpoints it wrote, together, so
     * the thread's latest checkpoint is again the one from before it; false
     * (and nothing deleted) when the run was no longer this worker's. The
     * caller then writes the thread's state with settleThread.
     */
    async rollback(run: ClaimedRun): Promise<boolean> {
      const client = await db.connect();
      try {
        await client.query("BEGIN");
        const { rows } = await client.query("DELETE FROM runs WHERE run_id = $1 AND claimed_by = $2 AND attempt = $3 AND status = 'running' RETURNING run_id", owner(run));
        if (rows.length > 0) await deleteRunCheckpoints(client, run.threadId, run.runId);
        await client.query("COMMIT");
        return rows.length > 0;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },

    /** Puts a run back to pending without counting the attempt (graceful shutdown). */
    async release(run: ClaimedRun): Promise<boolean> {
      const { rows } = await db.query(releaseSql, owner(run));
      return rows.length > 0;
    },

    /**
     * Takes back runs whose lease expired: retried while attempts remain,
     * else failed. Also frees threads left busy without a running run.
     */
    async sweep(): Promise<SweptRun[]> {
      const { rows } = await db.query<{ run_id: string; thread_id: string; status: "pending" | "error"; attempt: number }>(sweepSql, [
        options.maxAttempts,
      ]);
      await db.query(repairSql, [options.leaseMs]);
      return rows.map((row) => ({ runId: row.run_id, threadId: row.thread_id, status: row.status, attempt: row.attempt }));
    },

    /** The run's status now, or undefined when its row is gone. */
    async statusOf(runId: string): Promise<string | undefined> {
      const { rows } = await db.query<{ status: string }>("SELECT status FROM runs WHERE run_id = $1", [runId]);
      return rows[0]?.status;
    },

    /**
     * Writes a thread's state after its run was ended from outside (its status
     * set or its row deleted while it ran): unless another run is running on
     * the thread now, so the thread never stays busy with no run to free it.
     */
    async settleThread(threadId: string, thread: ThreadAfterRun): Promise<void> {
      await db.query(
        `UPDATE threads SET status = $2, "values" = COALESCE($3::jsonb, "values"), interrupts = COALESCE($4::jsonb, interrupts), updated_at = now()
         WHERE thread_id = $1 AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.thread_id = $1 AND runs.status = 'running')`,
        [threadId, thread.status, thread.valuesJson, thread.interruptsJson],
      );
    },

    /**
     * Writes a thread's values, interrupts and status after its state changed
     * outside a run; a busy thread stays busy (its run writes the status when it ends).
     */
    async writeThread(threadId: string, thread: ThreadAfterRun): Promise<void> {
      await db.query(
        `UPDATE threads SET status = CASE WHEN status = 'busy' THEN status ELSE $2 END,
           "values" = COALESCE($3::jsonb, "values"), interrupts = COALESCE($4::jsonb, interrupts), updated_at = now()
         WHERE thread_id = $1`,
        [threadId, thread.status, thread.valuesJson, thread.interruptsJson],
      );
    },

    /** Deletes a thread created for a thread-less run that asked for `on_completion: "delete"`. */
    async deleteThread(threadId: string): Promise<void> {
      await db.query("DELETE FROM threads WHERE thread_id = $1", [threadId]);
    },
  };
}

/** The run queue's operations. */
export type RunQueue = ReturnType<typeof createRunQueue>;
