/**
 * Two replicas of every service (authn, authz, store and the gateway), each
 * its own process on loopback, on real Postgres and Redis. A gRPC client that
 * balances over both stores and an HTTP client that takes turns between both
 * gateways keep a steady load of creates, reads and searches running while
 * one replica of each service is killed with SIGKILL in turn. Every request
 * either succeeds or fails with an answer a client may retry (reads almost
 * never fail: the internal clients retry them on a survivor), requests keep
 * succeeding after every kill, and every create that was acknowledged can be
 * read back at the end.
 */
import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ThreadService } from "@gatehouse/contracts";
import { startCluster, type Cluster, type ClusterService, type ServiceProcess } from "@gatehouse/launcher";
import { createGrpcTransport, methodsWithoutSideEffects, type ClosableTransport } from "@gatehouse/server";
import { startSteadyLoad, type Outcome } from "../support/steady-load.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { fromRoot } from "../support/test-gatehouse.js";

const killOrder: readonly ClusterService[] = ["authn", "authz", "store", "gateway"];
const phaseMs = 2_000;
const grpcWorkers = 8;
const httpWorkers = 4;
const users = ["Bearer user1-token", "Bearer user2-token"] as const;

/**
 * The failures a write may meet while a replica dies, all of which say the
 * request reached nothing that could finish it and may be tried again:
 * UNAVAILABLE from gRPC, 503 (UNAVAILABLE translated) from the gateway, and a
 * connection to a gateway that dropped before the answer came. A write that
 * failed this way may still have happened, which is why only acknowledged
 * writes must be found at the end. Reads are retried by the clients, but a
 * read that starts in the instant a replica dies, before any channel has seen
 * its connection drop, can still exhaust its attempts: rare, and retryable.
 */
const retryableFailures = new Set(["Unavailable", "http 503", "connection lost"]);
const writes = new Set(["grpc CreateThread", "http POST /threads"]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Two stores on the embedded database would queue on its single connection: this suite needs a real Postgres.
describe.skipIf(!process.env.DATABASE_URL)("two replicas of every service with one of each killed under load", () => {
  let database: TestDatabase;
  let cluster: Cluster;
  let transport: ClosableTransport;
  const tag = randomUUID();
  // Thread id → the authorization of its owner, for every create a client saw succeed.
  const acknowledged = new Map<string, string>();

  beforeAll(async () => {
    database = await createTestDatabase();
    cluster = await startCluster({
      configPath: fromRoot("test/fixtures/store-owner.gatehouse.json"),
      databaseUrl: database.url,
      redisUrl: process.env.REDIS_URL,
      replicas: 2,
      gatewayPort: 0,
      // No cached identities, so every request asks authn and a dead authn replica shows.
      env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "silent", GATEHOUSE_L1_TTL_MS: "0", GATEHOUSE_IDENTITY_TTL_MS: "0" },
      onLog: process.env.GATEHOUSE_TEST_LOGS ? (service, line) => console.log(`[${service}] ${line}`) : undefined,
    });
    transport = createGrpcTransport({
      target: cluster.storeTarget,
      defaultTimeoutMs: 10_000,
      retryableMethods: methodsWithoutSideEffects([ThreadService]),
    });
  });

  afterAll(async () => {
    transport?.close();
    await cluster?.stop();
    await database?.drop();
  });

  it("serves every read, fails a write only with a retryable code, keeps serving after each kill, and loses no acknowledged create", async () => {
    expect(cluster.storeTarget).toMatch(/^ipv4:127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/);
    const threads = createClient(ThreadService, transport);
    const gateways = cluster.replicas.gateway.map((gateway) => `http://${gateway.address}`);
    let nextGateway = 0;

    function ownedBy(authorization: string): string | undefined {
      const ids = [...acknowledged].filter(([, owner]) => owner === authorization).map(([id]) => id);
      return ids[Math.floor(Math.random() * ids.length)];
    }

    async function grpcRequest(worker: number, step: number): Promise<Omit<Outcome, "phase">> {
      const authorization = users[worker % users.length]!;
      const options = { headers: { authorization } };
      const existing = ownedBy(authorization);
      const kind = step % 4 === 2 && existing ? "GetThread" : step % 4 === 3 ? "SearchThreads" : "CreateThread";
      try {
        if (kind === "CreateThread") {
          const { thread } = await threads.createThread({ metadata: { tag, via: "grpc" } }, options);
          acknowledged.set(thread!.threadId, authorization);
        } else if (kind === "GetThread") {
          const { thread } = await threads.getThread({ threadId: existing }, options);
          if (thread?.threadId !== existing) return { what: `grpc ${kind}`, failure: "wrong thread" };
        } else {
          await threads.searchThreads({ metadata: { tag }, limit: 5 }, options);
        }
        return { what: `grpc ${kind}` };
      } catch (error) {
        return { what: `grpc ${kind}`, failure: Code[ConnectError.from(error).code] };
      }
    }

    async function httpRequest(worker: number, step: number): Promise<Omit<Outcome, "phase">> {
      const authorization = users[worker % users.length]!;
      const existing = ownedBy(authorization);
      const kind = step % 2 === 1 && existing ? "GET /threads/:id" : "POST /threads";
      const [method, path, body] =
        kind === "POST /threads" ? ["POST", "/threads", JSON.stringify({ metadata: { tag, via: "http" } })] : ["GET", `/threads/${existing}`, undefined];
      // A refused connection sent nothing, so the next gateway may take any request; a dropped one
      // may have been served, so only a read goes on to the next gateway, as the gateway's own store client does.
      const first = nextGateway++;
      for (let attempt = 0; attempt < gateways.length; attempt += 1) {
        const base = gateways[(first + attempt) % gateways.length]!;
        let response: Response;
        try {
          response = await fetch(`${base}${path}`, {
            method,
            headers: { authorization, "content-type": "application/json" },
            body,
            signal: AbortSignal.timeout(10_000),
          });
        } catch (error) {
          if ((error as { cause?: { code?: string } }).cause?.code === "ECONNREFUSED" || method === "GET") continue;
          return { what: `http ${kind}`, failure: "connection lost" };
        }
        const answer = (await response.json().catch(() => undefined)) as { thread_id?: string } | undefined;
        if (response.status !== 200) return { what: `http ${kind}`, failure: `http ${response.status}` };
        if (kind === "POST /threads") acknowledged.set(answer!.thread_id!, authorization);
        else if (answer?.thread_id !== existing) return { what: `http ${kind}`, failure: "wrong thread" };
        return { what: `http ${kind}` };
      }
      return { what: `http ${kind}`, failure: "no gateway answered" };
    }

    const load = startSteadyLoad(grpcWorkers + httpWorkers, (worker, step) =>
      worker < grpcWorkers ? grpcRequest(worker, step) : httpRequest(worker, step),
    );
    try {
      await sleep(phaseMs);
      for (const service of killOrder) {
        await kill(cluster.replicas[service][1]!);
        load.nextPhase();
        await sleep(phaseMs);
      }
    } finally {
      await load.stop();
    }
    const outcomes = load.outcomes;

    const failed = outcomes.filter((outcome) => outcome.failure !== undefined);
    expect(failed.filter((outcome) => !retryableFailures.has(outcome.failure!))).toEqual([]);
    const reads = outcomes.filter((outcome) => !writes.has(outcome.what));
    expect(reads.filter((outcome) => outcome.failure !== undefined).length, "failed reads").toBeLessThanOrEqual(Math.ceil(reads.length / 100));
    // Phase n holds the requests that started after the nth kill, so each must have been served by survivors alone.
    for (let phase = 0; phase <= killOrder.length; phase += 1) {
      for (const client of ["grpc", "http"]) {
        const served = outcomes.filter((outcome) => outcome.phase === phase && outcome.what.startsWith(client) && outcome.failure === undefined);
        expect(served.length, `${client} successes after ${phase === 0 ? "start" : `killing ${killOrder[phase - 1]}`}`).toBeGreaterThan(10);
      }
    }

    // Read back through the store that is still running, directly, not through the balanced target.
    const survivor = createGrpcTransport({ target: cluster.replicas.store[0]!.address, defaultTimeoutMs: 10_000 });
    try {
      const direct = createClient(ThreadService, survivor);
      for (const authorization of users) {
        const ids = [...acknowledged].filter(([, owner]) => owner === authorization).map(([id]) => id);
        const found = new Set<string>();
        for (let start = 0; start < ids.length; start += 1_000) {
          const chunk = ids.slice(start, start + 1_000);
          const { threads: page } = await direct.searchThreads({ ids: chunk, limit: chunk.length }, { headers: { authorization } });
          for (const thread of page) found.add(thread.threadId);
        }
        expect(ids.filter((id) => !found.has(id))).toEqual([]);
      }
    } finally {
      survivor.close();
    }
  });
});

/** Kills a process at once, as a crash would, and waits until it is gone. */
async function kill(service: ServiceProcess): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  const exited = new Promise((resolve) => service.child.once("exit", resolve));
  service.child.kill("SIGKILL");
  await exited;
}
