import type pg from "pg";
import { checkpointSchema } from "./checkpointer.js";

const s = checkpointSchema;

/**
 * Copies every checkpoint of a thread (with its channel blobs and pending
 * writes) to another thread, in one statement, as LangGraph servers copy a
 * thread's state. A `thread_id` recorded in a checkpoint's metadata names the
 * copy. Rows the target already has are kept, so a repeat is harmless.
 */
export async function copyThreadCheckpoints(db: pg.Pool, fromThreadId: string, toThreadId: string): Promise<void> {
  await db.query(
    `WITH checkpoints AS (
       INSERT INTO ${s}.checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata)
       SELECT $2, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint,
              CASE WHEN metadata ? 'thread_id' THEN jsonb_set(metadata, '{thread_id}', to_jsonb($2::text)) ELSE metadata END
       FROM ${s}.checkpoints WHERE thread_id = $1
       ON CONFLICT DO NOTHING
     ), blobs AS (
       INSERT INTO ${s}.checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
       SELECT $2, checkpoint_ns, channel, version, type, blob FROM ${s}.checkpoint_blobs WHERE thread_id = $1
       ON CONFLICT DO NOTHING
     )
     INSERT INTO ${s}.checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
     SELECT $2, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob FROM ${s}.checkpoint_writes WHERE thread_id = $1
     ON CONFLICT DO NOTHING`,
    [fromThreadId, toThreadId],
  );
}

/**
 * Deletes the checkpoints of the threads named, in one transaction: every
 * one, or with `keepLatest` all but the latest of each namespace (ids are
 * time-ordered UUIDs), with the pending writes of the deleted ones and the
 * channel blobs no kept checkpoint references.
 */
export async function pruneThreadCheckpoints(db: pg.Pool, threadIds: readonly string[], keepLatest: boolean): Promise<void> {
  if (threadIds.length === 0) return;
  if (!keepLatest) {
    await db.query(
      `WITH checkpoints AS (DELETE FROM ${s}.checkpoints WHERE thread_id = ANY($1::text[])),
            blobs AS (DELETE FROM ${s}.checkpoint_blobs WHERE thread_id = ANY($1::text[]))
       DELETE FROM ${s}.checkpoint_writes WHERE thread_id = ANY($1::text[])`,
      [threadIds],
    );
    return;
  }
  // Data-modifying CTEs all see the same snapshot, so each table's statement names what to keep itself.
  await db.query(
    `WITH latest AS (
       SELECT thread_id, checkpoint_ns, max(checkpoint_id) AS checkpoint_id
       FROM ${s}.checkpoints WHERE thread_id = ANY($1::text[]) GROUP BY thread_id, checkpoint_ns
     ), kept_versions AS (
       SELECT c.thread_id, c.checkpoint_ns, v.key AS channel, v.value #>> '{}' AS version
       FROM ${s}.checkpoints c JOIN latest USING (thread_id, checkpoint_ns, checkpoint_id),
            jsonb_each(c.checkpoint -> 'channel_versions') v
     ), checkpoints AS (
       DELETE FROM ${s}.checkpoints c WHERE c.thread_id = ANY($1::text[])
         AND NOT EXISTS (SELECT 1 FROM latest l WHERE (l.thread_id, l.checkpoint_ns, l.checkpoint_id) = (c.thread_id, c.checkpoint_ns, c.checkpoint_id))
     ), writes AS (
       DELETE FROM ${s}.checkpoint_writes w WHERE w.thread_id = ANY($1::text[])
         AND NOT EXISTS (SELECT 1 FROM latest l WHERE (l.thread_id, l.checkpoint_ns, l.checkpoint_id) = (w.thread_id, w.checkpoint_ns, w.checkpoint_id))
     )
     DELETE FROM ${s}.checkpoint_blobs b WHERE b.thread_id = ANY($1::text[])
       AND NOT EXISTS (SELECT 1 FROM kept_versions k WHERE (k.thread_id, k.checkpoint_ns, k.channel, k.version) = (b.thread_id, b.checkpoint_ns, b.channel, b.version))`,
    [threadIds],
  );
}
