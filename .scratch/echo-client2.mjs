import * as grpc from "@grpc/grpc-js";
import { spawn } from "node:child_process";
const child = spawn(process.execPath, ["/work/main/.scratch/echo-server.mjs"], { stdio: ["ignore", "pipe", "inherit"] });
const addr = await new Promise((r) => child.stdout.on("data", (d) => r(String(d).trim().split(" on ")[1])));
const c = new grpc.Client(addr, grpc.credentials.createInsecure());
const id = (b) => b;
const one = () => new Promise((r) => c.makeUnaryRequest("/e.E/Echo", id, id, Buffer.from("hello"), new grpc.Metadata(), {}, () => r()));
for (let i = 0; i < 500; i++) await one();
let t = performance.now();
for (let i = 0; i < 2e3; i++) await one();
console.log("bare seq ms", (performance.now() - t) / 2e3);
t = performance.now();
await Promise.all(Array.from({ length: 32 }, async () => {
  for (let i = 0; i < 300; i++) await one();
}));
console.log("bare 32 inflight calls/s", 32 * 300 / ((performance.now() - t) / 1e3));
child.kill("SIGTERM");
c.close();
