import * as grpc from "@grpc/grpc-js";
import { create, toBinary } from "@bufbuild/protobuf";
import { GetThreadRequestSchema } from "@gatehouse/contracts";
import { startCluster } from "@gatehouse/launcher";
import { createTestDatabase } from "../test/support/test-database.js";
import { runLoad } from "../test/bench/load.js";
import { seedThreads } from "../test/bench/seed.js";
const database = await createTestDatabase();
const cluster = await startCluster({ configPath: "/work/main/test/bench/bench.gatehouse.json", databaseUrl: database.url, redisUrl: "redis://127.0.0.1:6379", env: { LOG_LEVEL: "warn" }, onLog: (s, l) => { if (l.includes("\"level\":50") || l.includes("\"level\":40")) console.log(s, l.slice(0, 600)); } });
const seeded = await seedThreads(database.url, 10000, 1000);
const client = new grpc.Client(cluster.store.address, grpc.credentials.createInsecure());
const md = new grpc.Metadata(); md.set("authorization", "Bearer bench-0");
const reqs = seeded.sampleIds.map((threadId) => Buffer.from(toBinary(GetThreadRequestSchema, create(GetThreadRequestSchema, { threadId }))));
const target = { path: "/gatehouse.store.v1.ThreadService/GetThread", request: (i: number) => reqs[i % reqs.length]!, metadata: () => md };
await runLoad(client, target, 8, 1000);
const t0 = process.cpuUsage();
const r = await runLoad(client, target, 32, 5000);
const t1 = process.cpuUsage(t0);
console.log(r, "client cpu ms per call", (t1.user + t1.system) / 1000 / r.calls);
for (const p of [cluster.store, cluster.authz, cluster.authn]) {
  const stat = (await import("node:fs")).readFileSync(`/proc/${p.child.pid}/stat`, "utf8").split(" ");
  console.log(p.name, "cpu ticks total", Number(stat[13]) + Number(stat[14]));
}
client.close();
await cluster.stop(); await database.drop();
