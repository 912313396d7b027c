import { seedThreads } from "../seed.js";
import { benchUsers, type BenchTarget } from "./scenarios.js";

/** How many threads a server holds: every user's count added up (each sees only their own). */
export async function countThreads(target: BenchTarget): Promise<number> {
  const counts = await Promise.all(target.clients.map((client) => client.threads.count()));
  return counts.reduce((sum, count) => sum + count, 0);
}

/**
 * Creates `count` threads through the server's own API, alternating the
 * users, with `concurrency` requests in flight: the only way into the
 * LangGraph.js dev server's memory. Throws on the first failure.
 */
export async function seedThroughApi(target: BenchTarget, from: number, count: number, concurrency = 64): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = from + next++;
      await target.clients[n % benchUsers.length]!.threads.create({ metadata: { n } });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Adds threads straight into Gatehouse's Postgres, owned by the tutorial's
 * users in turn ("user1", "user2", as the auth module stamps them), which
 * is much faster than through the API.
 */
export async function seedIntoPostgres(databaseUrl: string, from: number, to: number): Promise<void> {
  await seedThreads(databaseUrl, from, to, benchUsers.length, { prefix: "user", first: 1 });
}
