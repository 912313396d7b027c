import pg from "pg";

/** How seeded owners are named: `<prefix><first + n mod owners>`. */
export interface OwnerNames {
  prefix: string;
  first: number;
}

/**
 * Adds threads `from`..`to - 1` spread round-robin over `owners` owners
 * ("owner-<n mod owners>" unless `names` says otherwise), newest last, in
 * server-side batches, then ANALYZEs. Returns how long it took and a sample
 * of the first owner's thread ids.
 */
export async function seedThreads(
  databaseUrl: string,
  from: number,
  to: number,
  owners: number,
  names: OwnerNames = { prefix: "owner-", first: 0 },
): Promise<{ sampleIds: string[]; seconds: number }> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const started = performance.now();
  const batch = 100_000;
  for (let start = from; start < to; start += batch) {
    await db.query(
      `INSERT INTO threads (thread_id, metadata, created_at, updated_at)
       SELECT gen_random_uuid(), jsonb_build_object('owner', $5::text || (i % $3 + $6::int), 'n', i),
              now() - make_interval(secs => $4 - i), now() - make_interval(secs => $4 - i)
       FROM generate_series($1::int, $2::int) AS i`,
      [start, Math.min(to, start + batch) - 1, owners, to, names.prefix, names.first],
    );
  }
  await db.query("VACUUM ANALYZE threads");
  const { rows } = await db.query<{ thread_id: string }>("SELECT thread_id FROM threads WHERE metadata @> $1::jsonb LIMIT 100", [
    JSON.stringify({ owner: `${names.prefix}${names.first}` }),
  ]);
  await db.end();
  return { sampleIds: rows.map((row) => row.thread_id), seconds: (performance.now() - started) / 1000 };
}
