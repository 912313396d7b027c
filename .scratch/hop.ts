import { createClient } from "@connectrpc/connect";
import { AuthzService } from "@gatehouse/contracts";
import { createGrpcTransport } from "@gatehouse/server";
import { startServiceProcess } from "@gatehouse/launcher";
import pg from "pg";

const authz = await startServiceProcess({ name: "authz", env: { GATEHOUSE_CONFIG: "/work/main/test/bench/bench.gatehouse.json", AUTHZ_PORT: "0", LOG_LEVEL: "warn" } });
const client = createClient(AuthzService, createGrpcTransport({ target: authz.address, defaultTimeoutMs: 2000 }));
const req = { user: { identity: "owner-0", displayName: "owner-0", isAuthenticated: true, permissions: [] }, resource: "threads", action: "read", value: { thread_id: "x" } };
for (let i = 0; i < 500; i++) await client.authorize(req);
let t = performance.now();
for (let i = 0; i < 2000; i++) await client.authorize(req);
console.log("authz seq per call ms", (performance.now() - t) / 2000);
t = performance.now();
await Promise.all(Array.from({ length: 32 }, async () => { for (let i = 0; i < 300; i++) await client.authorize(req); }));
console.log("authz 32 inflight calls/s", (32 * 300) / ((performance.now() - t) / 1000));
await authz.stop();

const db = new pg.Pool({ connectionString: "postgres://postgres@127.0.0.1:5432/test", max: 10 });
await db.query("select 1");
t = performance.now();
for (let i = 0; i < 2000; i++) await db.query({ name: "q1", text: "select $1::int as x", values: [i] });
console.log("pg seq per query ms", (performance.now() - t) / 2000);
t = performance.now();
await Promise.all(Array.from({ length: 32 }, async () => { for (let i = 0; i < 300; i++) await db.query({ name: "q1", text: "select $1::int as x", values: [i] }); }));
console.log("pg 32 inflight q/s", (32 * 300) / ((performance.now() - t) / 1000));
await db.end();
