/**
 * `npm run bench`: Gatehouse end to end on real Postgres (DATABASE_URL) and
 * Redis (REDIS_URL), with authn, authz and store as separate processes.
 *
 * Prints, in one run so figures compare as ratios:
 * - the in-process decision (resolve, run the owner handler, validate the filter);
 * - the authz hop alone (Authorize over gRPC), 1 and 32 in flight;
 * - GetThread and SearchThreads (owner filter, limit 10), 1 and 32 in flight,
 *   at each data size, against an in-memory full scan of the same data.
 *
 * BENCH_SIZES (default "10000,1000000") sets the thread counts, BENCH_OWNERS
 * (default 10000) the owners they spread over, and BENCH_SECONDS (default 5)
 * each scenario's duration. Every figure compared here is measured in the
 * same run; `npm run bench:compare` measures Gatehouse against the
 * LangGraph.js dev server side by side.
 *
 * The load generator is a lean HTTP/2 gRPC client (load.ts); one row repeats
 * GetThread through grpc-js, for what a typical client costs on top.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { AuthorizeRequestSchema, GetThreadRequestSchema, SearchThreadsRequestSchema } from "@gatehouse/contracts";
import { startCluster } from "@gatehouse/launcher";
import { createTestDatabase } from "../support/test-database.js";
import { fromRoot } from "../support/test-gatehouse.js";
import { measureDecide } from "./decide-bench.js";
import { buildMemoryThreads, measureMemoryScan } from "./in-memory-scan.js";
import { connectLeanGrpc, formatResult, grpcJsCaller, resultHeader, runLoad, type LoadResult, type LoadTarget } from "./load.js";
import { seedThreads } from "./seed.js";

process.env.DATABASE_URL ??= "postgres://postgres@127.0.0.1:5432/test";
process.env.REDIS_URL ??= "redis://127.0.0.1:6379";
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const sizes = (process.env.BENCH_SIZES ?? "10000,1000000").split(",").map(Number);
const owners = Number(process.env.BENCH_OWNERS ?? 10_000);
const durationMs = seconds * 1000;

const decision = await measureDecide(200_000);
console.log(`in-process decision: mean ${decision.meanUs.toFixed(2)} µs, p50 ${decision.p50Us.toFixed(2)} µs, p99 ${decision.p99Us.toFixed(2)} µs`);

const memory = buildMemoryThreads(sizes[0]!, owners);
const scan = measureMemoryScan(memory, owners, durationMs);
console.log(`bare in-memory scan of ${sizes[0]} threads (filter, sort, copy a page; no server around it): ${scan.meanMs.toFixed(3)} ms per search, ${Math.round(scan.callsPerSecond)} searches/s on one core`);

const database = await createTestDatabase();
const cluster = await startCluster({
  configPath: fromRoot("test/bench/bench.gatehouse.json"),
  databaseUrl: database.url,
  redisUrl: process.env.REDIS_URL,
  // A few callers drive thousands of calls a second here: no per-caller rate limit.
  env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "warn", GATEHOUSE_RATE_LIMIT_PER_SECOND: "0" },
});
const [storeClient, authzClient] = await Promise.all([connectLeanGrpc(cluster.store.address), connectLeanGrpc(cluster.authz.address)]);
const typicalClient = grpcJsCaller(cluster.store.address);
try {
  const authorizeRequest = Buffer.from(
    toBinary(
      AuthorizeRequestSchema,
      create(AuthorizeRequestSchema, {
        user: { identity: "owner-0", displayName: "owner-0", isAuthenticated: true },
        resource: "threads",
        action: "read",
        value: { thread_id: "00000000-0000-4000-8000-000000000000" },
      }),
    ),
  );
  const authorize: LoadTarget = {
    path: "/gatehouse.authz.v1.AuthzService/Authorize",
    request: () => authorizeRequest,
    headers: () => ({}),
  };
  await runLoad(authzClient, authorize, 8, 1_000);
  console.log(`\n${resultHeader}`);
  for (const concurrency of [1, 32]) {
    console.log(formatResult("authz hop (Authorize, unary)", concurrency, await runLoad(authzClient, authorize, concurrency, durationMs)));
  }

  const ownerHeaders = Array.from({ length: Math.min(owners, 1_000) }, (_, n) => ({ authorization: `Bearer bench-${n}` }));
  const searchRequest = Buffer.from(toBinary(SearchThreadsRequestSchema, create(SearchThreadsRequestSchema, { limit: 10 })));
  const searchThreads: LoadTarget = {
    path: "/gatehouse.store.v1.ThreadService/SearchThreads",
    request: () => searchRequest,
    headers: (i) => ownerHeaders[i % ownerHeaders.length]!,
  };
  const searchAt32 = new Map<number, LoadResult>();
  let seeded = 0;
  for (const size of sizes) {
    const seed = await seedThreads(database.url, seeded, size, owners);
    seeded = size;
    console.log(`\n${size} threads over ${owners} owners (seeded in ${seed.seconds.toFixed(1)} s)`);
    const getRequests = seed.sampleIds.map((threadId) => Buffer.from(toBinary(GetThreadRequestSchema, create(GetThreadRequestSchema, { threadId }))));
    const ownerZero = { authorization: "Bearer bench-0" };
    const getThread: LoadTarget = {
      path: "/gatehouse.store.v1.ThreadService/GetThread",
      request: (i) => getRequests[i % getRequests.length]!,
      headers: () => ownerZero,
    };
    // Warm up: connections, plans, and every owner's identity in the caches.
    await runLoad(storeClient, getThread, 8, 1_000);
    await runLoad(storeClient, searchThreads, 8, 2_000);
    console.log(resultHeader);
    for (const [name, target] of [
      ["GetThread", getThread],
      ["SearchThreads (owner, limit 10)", searchThreads],
    ] as const) {
      for (const concurrency of [1, 32]) {
        const result = await runLoad(storeClient, target, concurrency, durationMs);
        if (target === searchThreads && concurrency === 32) searchAt32.set(size, result);
        console.log(formatResult(name, concurrency, result));
      }
    }
    console.log(formatResult("GetThread, grpc-js client", 32, await runLoad(typicalClient, getThread, 32, durationMs)));
  }

  const smallest = searchAt32.get(sizes[0]!);
  const largest = searchAt32.get(sizes[sizes.length - 1]!);
  console.log("");
  if (smallest) {
    console.log(`SearchThreads at ${sizes[0]} threads, 32 in flight: ${(smallest.callsPerSecond / scan.callsPerSecond).toFixed(2)}x the bare scan above`);
  }
  if (smallest && largest && sizes.length > 1) {
    console.log(`SearchThreads p99 at ${sizes[sizes.length - 1]} threads / at ${sizes[0]}: ${(largest.p99Ms / smallest.p99Ms).toFixed(2)}`);
  }
  console.log("For Gatehouse against the LangGraph.js dev server, side by side in one run: npm run bench:compare");
} finally {
  storeClient.close();
  authzClient.close();
  typicalClient.close();
  await cluster.stop();
  await database.drop();
}
