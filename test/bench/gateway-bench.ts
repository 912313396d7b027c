/**
 * `npm run bench:gateway`: what the LangGraph HTTP gateway costs. On real
 * Postgres (DATABASE_URL) and Redis (REDIS_URL), with authn, authz, store and
 * gateway as separate processes, it prints p50/p99 and throughput of
 *
 * - `threads.get` and `threads.search` (owner filter, limit 10) through the
 *   gateway with the stock `@langchain/langgraph-sdk` Client,
 * - the same requests through the gateway with bare `fetch` (the SDK's own
 *   share of the cost is the difference),
 * - GetThread and SearchThreads straight to the store over gRPC,
 *
 * at 1 and 32 in flight. BENCH_THREADS (default 10000) threads spread over
 * BENCH_OWNERS (default 1000) owners; BENCH_SECONDS (default 5) per row.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { GetThreadRequestSchema, SearchThreadsRequestSchema } from "@gatehouse/contracts";
import { startCluster } from "@gatehouse/launcher";
import { Client } from "@langchain/langgraph-sdk";
import { createTestDatabase } from "../support/test-database.js";
import { fromRoot } from "../support/test-gatehouse.js";
import { connectLeanGrpc, formatResult, resultHeader, runCalls, runLoad, type LoadResult, type LoadTarget } from "./load.js";
import { seedThreads } from "./seed.js";

process.env.DATABASE_URL ??= "postgres://postgres@127.0.0.1:5432/test";
process.env.REDIS_URL ??= "redis://127.0.0.1:6379";
const threads = Number(process.env.BENCH_THREADS ?? 10_000);
const owners = Number(process.env.BENCH_OWNERS ?? 1_000);
const durationMs = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
/** How many owners' credentials the search load cycles through, on every path alike. */
const searchers = Math.min(owners, 256);

/** The SDK client an application would build for one owner, allowed 32 requests in flight and no retries (a failure is counted, not hidden). */
function sdkFor(apiUrl: string, owner: number): Client {
  return new Client({
    apiUrl,
    apiKey: null,
    defaultHeaders: { Authorization: `Bearer bench-${owner}` },
    callerOptions: { maxConcurrency: 64, maxRetries: 0 },
  });
}

async function fetchOk(url: string, init: RequestInit): Promise<void> {
  const response = await fetch(url, init);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
}

const database = await createTestDatabase();
const cluster = await startCluster({
  configPath: fromRoot("test/bench/bench.gatehouse.json"),
  databaseUrl: database.url,
  redisUrl: process.env.REDIS_URL,
  gatewayPort: 0,
  // A few callers drive thousands of calls a second here: no per-caller rate limit.
  env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "warn", GATEHOUSE_RATE_LIMIT_PER_SECOND: "0" },
});
const storeClient = await connectLeanGrpc(cluster.store.address);
try {
  const apiUrl = `http://${cluster.gateway!.address}`;
  const seed = await seedThreads(database.url, 0, threads, owners);
  console.log(`${threads} threads over ${owners} owners (seeded in ${seed.seconds.toFixed(1)} s); searches cycle through ${searchers} owners`);

  const ids = seed.sampleIds;
  const ownerZero = sdkFor(apiUrl, 0);
  const searchClients = Array.from({ length: searchers }, (_, owner) => sdkFor(apiUrl, owner));
  const searchHeaders = Array.from({ length: searchers }, (_, owner) => ({
    authorization: `Bearer bench-${owner}`,
    "content-type": "application/json",
  }));
  const searchBody = JSON.stringify({ limit: 10, offset: 0 });

  const getRequests = ids.map((threadId) => Buffer.from(toBinary(GetThreadRequestSchema, create(GetThreadRequestSchema, { threadId }))));
  const searchRequest = Buffer.from(toBinary(SearchThreadsRequestSchema, create(SearchThreadsRequestSchema, { limit: 10 })));
  const ownerZeroHeaders = { authorization: "Bearer bench-0" };
  const grpcGet: LoadTarget = {
    path: "/gatehouse.store.v1.ThreadService/GetThread",
    request: (i) => getRequests[i % getRequests.length]!,
    headers: () => ownerZeroHeaders,
  };
  const grpcSearch: LoadTarget = {
    path: "/gatehouse.store.v1.ThreadService/SearchThreads",
    request: () => searchRequest,
    headers: (i) => ({ authorization: searchHeaders[i % searchers]!.authorization }),
  };

  const scenarios: Array<[string, (concurrency: number, duration: number) => Promise<LoadResult>]> = [
    ["threads.get  SDK → gateway", (c, d) => runCalls((i) => ownerZero.threads.get(ids[i % ids.length]!), c, d)],
    [
      "threads.get  fetch → gateway",
      (c, d) => runCalls((i) => fetchOk(`${apiUrl}/threads/${ids[i % ids.length]}`, { headers: { authorization: "Bearer bench-0" } }), c, d),
    ],
    ["GetThread    gRPC → store", (c, d) => runLoad(storeClient, grpcGet, c, d)],
    ["threads.search SDK → gateway", (c, d) => runCalls((i) => searchClients[i % searchers]!.threads.search({ limit: 10 }), c, d)],
    [
      "threads.search fetch → gateway",
      (c, d) => runCalls((i) => fetchOk(`${apiUrl}/threads/search`, { method: "POST", headers: searchHeaders[i % searchers]!, body: searchBody }), c, d),
    ],
    ["SearchThreads gRPC → store", (c, d) => runLoad(storeClient, grpcSearch, c, d)],
  ];

  // Warm up: connections, plans, and every searching owner's identity in the caches.
  for (const [, run] of scenarios) await run(8, 1_000);

  console.log(`\n${resultHeader}`);
  const at32 = new Map<string, LoadResult>();
  for (const [name, run] of scenarios) {
    for (const concurrency of [1, 32]) {
      const result = await run(concurrency, durationMs);
      if (concurrency === 32) at32.set(name, result);
      console.log(formatResult(name, concurrency, result));
    }
  }

  const ratio = (http: string, rpc: string) => {
    const a = at32.get(http)!;
    const b = at32.get(rpc)!;
    return `${((a.callsPerSecond / b.callsPerSecond) * 100).toFixed(0)}% of gRPC's throughput, p50 ${(a.p50Ms / b.p50Ms).toFixed(1)}x`;
  };
  console.log(`\nat 32 in flight, threads.get through the SDK and gateway: ${ratio("threads.get  SDK → gateway", "GetThread    gRPC → store")}`);
  console.log(`at 32 in flight, threads.search through the SDK and gateway: ${ratio("threads.search SDK → gateway", "SearchThreads gRPC → store")}`);
} finally {
  storeClient.close();
  await cluster.stop();
  await database.drop();
}
