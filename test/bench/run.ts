/**
 * `npm run bench`: starts authn, authz and store as separate processes on
 * real Postgres (DATABASE_URL) and Redis (REDIS_URL), seeds threads, and
 * prints p50/p99 and throughput for GetThread and SearchThreads end to end,
 * one call at a time and with 32 in flight.
 *
 * BENCH_SECONDS (default 5) sets each scenario's duration; BENCH_THREADS
 * (default 10000) and BENCH_OWNERS (default 1000) the data set.
 */
import * as grpc from "@grpc/grpc-js";
import { create, toBinary } from "@bufbuild/protobuf";
import { GetThreadRequestSchema, SearchThreadsRequestSchema } from "@gatehouse/contracts";
import { startCluster } from "@gatehouse/launcher";
import { createTestDatabase } from "../support/test-database.js";
import { fromRoot } from "../support/test-gatehouse.js";
import { formatResult, resultHeader, runLoad, type LoadTarget } from "./load.js";
import { seedThreads } from "./seed.js";

process.env.DATABASE_URL ??= "postgres://postgres@127.0.0.1:5432/test";
process.env.REDIS_URL ??= "redis://127.0.0.1:6379";
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const threadCount = Number(process.env.BENCH_THREADS ?? 10_000);
const ownerCount = Number(process.env.BENCH_OWNERS ?? 1_000);

const database = await createTestDatabase();
const cluster = await startCluster({
  configPath: fromRoot("test/bench/bench.gatehouse.json"),
  databaseUrl: database.url,
  redisUrl: process.env.REDIS_URL,
  env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" },
});
try {
  // The store migrates at start-up; seed once it is listening.
  const seeded = await seedThreads(database.url, threadCount, ownerCount);
  console.log(`seeded ${threadCount} threads over ${ownerCount} owners in ${seeded.seconds.toFixed(1)} s`);

  const client = new grpc.Client(cluster.store.address, grpc.credentials.createInsecure());
  const ownerZero = new grpc.Metadata();
  ownerZero.set("authorization", "Bearer bench-0");
  const getRequests = seeded.sampleIds.map((threadId) => Buffer.from(toBinary(GetThreadRequestSchema, create(GetThreadRequestSchema, { threadId }))));
  const getThread: LoadTarget = {
    path: "/gatehouse.store.v1.ThreadService/GetThread",
    request: (i) => getRequests[i % getRequests.length]!,
    metadata: () => ownerZero,
  };
  const searchRequest = Buffer.from(toBinary(SearchThreadsRequestSchema, create(SearchThreadsRequestSchema, { limit: 10 })));
  const ownerMetadata = Array.from({ length: Math.min(ownerCount, 1000) }, (_, n) => {
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer bench-${n}`);
    return metadata;
  });
  const searchThreads: LoadTarget = {
    path: "/gatehouse.store.v1.ThreadService/SearchThreads",
    request: () => searchRequest,
    metadata: (i) => ownerMetadata[i % ownerMetadata.length]!,
  };

  // Warm up: connections, prepared statements, every owner's identity in the caches.
  await runLoad(client, getThread, 8, 1_000);
  await runLoad(client, searchThreads, 8, 1_000);

  console.log(`\n${resultHeader}`);
  for (const [name, target] of [
    ["GetThread", getThread],
    ["SearchThreads (owner filter, limit 10)", searchThreads],
  ] as const) {
    for (const concurrency of [1, 32]) {
      console.log(formatResult(name, concurrency, await runLoad(client, target, concurrency, seconds * 1000)));
    }
  }
  client.close();
} finally {
  await cluster.stop();
  await database.drop();
}
