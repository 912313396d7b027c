import pg from "pg";

/**
 * Inserts `threads` threads spread round-robin over `owners` owners
 * ("owner-0" ...), in server-side batches, and returns the ids of a sample
 * per owner 0 for point reads.
 */
export async function seedThreads(databaseUrl: string, threads: number, owners: number): Promise<{ sampleIds: string[]; seconds: number }> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const started = performance.now();
  const batch = 100_000;
  for (let from = 0; from < threads; from += batch) {
    const to = Math.min(threads, from + batch) - 1;
    await db.query(
      `INSERT INTO threads (thread_id, metadata, created_at, updated_at)
       SELECT gen_random_uuid(), jsonb_build_object('owner', 'owner-' || (i % $3), 'n', i),
              now() - make_interval(secs => i), now() - make_interval(secs => i)
       FROM generate_series($1::int, $2::int) AS i`,
      [from, to, owners],
    );
  }
  await db.query("ANALYZE threads");
  const { rows } = await db.query<{ thread_id: string }>(
    "SELECT thread_id FROM threads WHERE metadata @> $1::jsonb LIMIT 100",
    [JSON.stringify({ owner: "owner-0" })],
  );
  await db.end();
  return { sampleIds: rows.map((row) => row.thread_id), seconds: (performance.now() - started) / 1000 };
}
