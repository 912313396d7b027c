/**
 * `node --import tsx test/bench/profile/hop-bench.ts`: what one internal
 * hop costs, measured as CPU time of this process (client and server both
 * run here, over loopback gRPC) per call, which other work on the machine
 * disturbs far less than wall time. Compares, call for call and in
 * alternating rounds: an authorization as a unary Authorize call against
 * the same event as a one-event AuthorizeBatch stream (with and without the
 * turn of the event loop the batcher used to wait), and the store's
 * batching authorizer at 1 and at 32 in flight; one Authorize call at 32 in
 * flight over loopback gRPC, Connect's router transport and the in-process
 * transport of the combined topology; and building call metadata
 * from a header record directly against going through Fetch Headers.
 * HOP_CALLS (default 3000) sets the calls per round. Loopback only.
 */
import * as grpc from "@grpc/grpc-js";
import { createClient, createRouterTransport, type ServiceImpl } from "@connectrpc/connect";
import { AuthzService, Effect } from "@gatehouse/contracts";
import { createGrpcTransport, createInProcessTransport, createLogger, registerService } from "@gatehouse/server";
import { metadataFrom } from "../../../libs/server/src/grpc-transport.js";
import { createBatchingAuthorizer } from "../../../services/store/src/authz-batcher.js";

const calls = Number(process.env.HOP_CALLS ?? 3000);
const decision = { effect: Effect.ALLOW, handlerKey: "threads:read" };
const authzImpl: ServiceImpl<typeof AuthzService> = {
  authorize: () => ({ decision }),
  async *authorizeBatch(request) {
    for (let index = 0; index < request.requests.length; index++) yield { index, result: { result: { case: "decision", value: decision } } };
  },
};
const server = new grpc.Server();
registerService(server, AuthzService, authzImpl, { logger: createLogger("hop-bench") });
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
);
const transport = createGrpcTransport({ target: `127.0.0.1:${port}`, defaultTimeoutMs: 5_000 });
const authz = createClient(AuthzService, transport);
// The same service in this process, as the combined topology reaches it: Connect's router transport, and Gatehouse's in-process one.
const routerAuthz = createClient(AuthzService, createRouterTransport(({ service }) => service(AuthzService, authzImpl)));
const inProcessAuthz = createClient(AuthzService, createInProcessTransport([{ service: AuthzService, impl: authzImpl }], { logger: createLogger("hop-bench") }));
const authorizer = createBatchingAuthorizer(authz);
const event = {
  user: { identity: "user1", permissions: ["threads:read"] },
  resource: "threads",
  action: "read",
  value: { thread_id: "6f1c1a52-6a4e-4d61-9d8e-3c7a8e1d2f00" },
  requestId: "0af7651916cd43dd8448eb211c80319c",
  traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
};
const headers = {
  authorization: "Bearer user1-token",
  "user-agent": "langgraph-sdk",
  accept: "*/*",
  "x-request-id": "0af7651916cd43dd8448eb211c80319c",
  traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
};

/** CPU µs per call and wall µs per call of `count` calls kept `inFlight` at a time. */
async function measure(call: () => Promise<unknown>, inFlight: number, count = calls): Promise<{ cpu: number; wall: number }> {
  let next = 0;
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < count) await call();
    }),
  );
  const cpu = process.cpuUsage(cpuStart);
  return { cpu: (cpu.user + cpu.system) / count, wall: ((performance.now() - wallStart) * 1000) / count };
}

const variants: Record<string, () => Promise<{ cpu: number; wall: number }>> = {
  "unary Authorize, 1 in flight": () => measure(() => authz.authorize({ ...event, timeoutMs: 5_000 }, { timeoutMs: 5_000, headers }), 1),
  "one-event AuthorizeBatch stream, 1 in flight": () =>
    measure(async () => {
      for await (const _ of authz.authorizeBatch({ requests: [{ ...event, timeoutMs: 5_000 }] }, { timeoutMs: 5_000, headers })) void _;
    }, 1),
  // What the batching authorizer did for a lone event before it took the unary path: a turn of the event loop, then a one-event stream.
  "one-event stream after a setImmediate, 1 in flight": () =>
    measure(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      for await (const _ of authz.authorizeBatch({ requests: [{ ...event, timeoutMs: 5_000 }] }, { timeoutMs: 5_000 })) void _;
    }, 1),
  "unary Authorize over loopback gRPC, 32 in flight": () => measure(() => authz.authorize({ ...event, timeoutMs: 5_000 }, { timeoutMs: 5_000, headers }), 32),
  "unary Authorize, Connect's router transport, 32 in flight": () => measure(() => routerAuthz.authorize({ ...event, timeoutMs: 5_000 }, { timeoutMs: 5_000, headers }), 32),
  "unary Authorize, in-process transport, 32 in flight": () => measure(() => inProcessAuthz.authorize({ ...event, timeoutMs: 5_000 }, { timeoutMs: 5_000, headers }), 32),
  "batching authorizer, 1 in flight": () => measure(() => authorizer.authorize(event, 5_000), 1),
  "batching authorizer, 32 in flight": () => measure(() => authorizer.authorize(event, 5_000), 32),
  "metadata from a record": () => measure(async () => metadataFrom(headers), 1, calls * 20),
  "metadata through Fetch Headers": () =>
    measure(async () => {
      const metadata = new grpc.Metadata();
      new Headers(headers).forEach((value, key) => metadata.set(key, value));
      return metadata;
    }, 1, calls * 20),
};

const results = new Map<string, { cpu: number[]; wall: number[] }>(Object.keys(variants).map((name) => [name, { cpu: [], wall: [] }]));
for (const run of Object.values(variants)) await run(); // warm-up
for (let round = 0; round < 3; round++) {
  for (const [name, run] of Object.entries(variants)) {
    const { cpu, wall } = await run();
    results.get(name)!.cpu.push(cpu);
    results.get(name)!.wall.push(wall);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const [name, { cpu, wall }] of results) {
  console.log(`${name.padEnd(52)} CPU ${median(cpu).toFixed(1).padStart(7)} µs/call   wall ${median(wall).toFixed(1).padStart(7)} µs/call`);
}
transport.close();
server.forceShutdown();
