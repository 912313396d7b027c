/**
 * Gatehouse across hosts, simulated on one machine: Postgres, Redis, authn,
 * authz, two stores and the gateway each run in a network namespace of their
 * own, joined by a switch whose links can be slowed, made lossy or cut (see
 * test/support/netns). Every call between services crosses a real network
 * stack between distinct addresses. Skipped where namespaces cannot be made.
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import pg from "pg";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ThreadService } from "@gatehouse/contracts";
import { createGrpcTransport, methodsWithoutSideEffects, type ClosableTransport } from "@gatehouse/server";
import { postgresBinaries } from "../../support/netns/hosted-services.js";
import { startHostedGatehouse, type HostedGatehouse } from "../../support/netns/hosted-gatehouse.js";
import { createSimulatedNetwork, netnsSupport, type SimulatedNetwork } from "../../support/netns/simulated-network.js";
import { startSteadyLoad } from "../../support/steady-load.js";
import { fromRoot } from "../../support/test-gatehouse.js";

const support = netnsSupport();
const skipReason = !support.available
  ? support.reason
  : postgresBinaries() === undefined
    ? "no Postgres server binaries under /usr/lib/postgresql"
    : spawnSync("id", ["-u", "postgres"]).status !== 0
      ? "no `postgres` system user to run Postgres as (it refuses root)"
      : undefined;
if (skipReason) console.warn(`across-hosts tests skipped: ${skipReason}`);

const alice = { authorization: "Bearer user1-token" };
const bob = { authorization: "Bearer user2-token" };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const codeOf = (error: unknown) => Code[ConnectError.from(error).code];
const retryable = new Set(["Unavailable", "DeadlineExceeded"]);

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function p50(times: number, call: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let n = 0; n < times; n += 1) {
    const started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  return percentile(samples, 50);
}

/** A persistent health client, so a check costs one round trip on an open connection. */
function healthChecker(address: string): { check(): Promise<void>; close(): void } {
  const HealthClient = grpc.makeGenericClientConstructor(healthService, "Health");
  const client = new HealthClient(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    check(request: { service: string }, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null) => void): void;
  };
  return {
    check: () => new Promise<void>((resolve, reject) => client.check({ service: "" }, { deadline: Date.now() + 5_000 }, (error) => (error ? reject(error) : resolve()))),
    close: () => client.close(),
  };
}

describe.skipIf(skipReason !== undefined)("Gatehouse spread over simulated hosts", () => {
  let network: SimulatedNetwork;
  let gatehouse: HostedGatehouse;
  let balanced: ClosableTransport;
  const direct: ClosableTransport[] = [];
  let threads: Client<typeof ThreadService>;
  const perStore: Array<Client<typeof ThreadService>> = [];

  beforeAll(async () => {
    network = await createSimulatedNetwork();
    gatehouse = await startHostedGatehouse(network, {
      configPath: fromRoot("test/fixtures/store-owner.gatehouse.json"),
      env: {
        GATEHOUSE_SHUTDOWN_GRACE_MS: "500",
        GATEHOUSE_RATE_LIMIT_PER_SECOND: "0",
        // A silent partition shows as a dead connection only when a keepalive ping goes unanswered.
        GATEHOUSE_KEEPALIVE_TIME_MS: "1000",
        GATEHOUSE_KEEPALIVE_TIMEOUT_MS: "1000",
        GATEHOUSE_CALL_TIMEOUT_MS: "1000",
      },
      onLog: process.env.GATEHOUSE_TEST_LOGS ? (service, line) => console.log(`[${service}] ${line}`) : undefined,
    });
    // The test's own clients notice a vanished store as quickly as the services do.
    const keepalive = { timeMs: 1_000, timeoutMs: 1_000 };
    balanced = createGrpcTransport({
      target: gatehouse.storeTarget,
      defaultTimeoutMs: 5_000,
      retryableMethods: methodsWithoutSideEffects([ThreadService]),
      keepalive,
    });
    threads = createClient(ThreadService, balanced);
    for (const store of gatehouse.services.stores) {
      const transport = createGrpcTransport({ target: store.address, defaultTimeoutMs: 5_000, keepalive });
      direct.push(transport);
      perStore.push(createClient(ThreadService, transport));
    }
  }, 180_000);

  afterAll(async () => {
    balanced?.close();
    for (const transport of direct) transport.close();
    await gatehouse?.stop();
    await network?.destroy();
  }, 60_000);

  it("keeps deadlines with 20 ms to Postgres and 5 ms between services, and reports what each hop costs", async () => {
    const { thread } = await threads.createThread({ metadata: { test: "latency" } }, { headers: alice });
    const store = healthChecker(gatehouse.services.stores[0]!.address);
    const authn = healthChecker(gatehouse.services.authn.address);
    const database = new pg.Client({ connectionString: gatehouse.postgres.url });
    await database.connect();
    const getThread = () => perStore[0]!.getThread({ threadId: thread!.threadId }, { headers: alice });
    const measure = async () => ({
      "client → store (health check)": await p50(30, store.check),
      "client → authn (health check)": await p50(30, authn.check),
      "client → Postgres (SELECT 1)": await p50(30, () => database.query("SELECT 1")),
      "GetThread (store → authz, store → Postgres)": await p50(40, getThread),
    });
    try {
      await getThread();
      const clean = await measure();
      // netem on each host's interface: services send 2.5 ms late (5 ms between two services),
      // Postgres 20 ms ± 2; the test's own interface is clean.
      const serviceHosts = [gatehouse.hosts.authn, gatehouse.hosts.authz, ...gatehouse.hosts.stores, gatehouse.hosts.gateway];
      for (const host of serviceHosts) await network.impair(host, { delayMs: 2.5 });
      await network.impair(gatehouse.hosts.postgres, { delayMs: 20, jitterMs: 2 });
      const slow = await measure();
      const table = Object.keys(clean).map((hop) => ({
        hop,
        "p50 clean (ms)": clean[hop as keyof typeof clean].toFixed(1),
        "p50 delayed (ms)": slow[hop as keyof typeof slow].toFixed(1),
        "added (ms)": (slow[hop as keyof typeof slow] - clean[hop as keyof typeof clean]).toFixed(1),
      }));
      console.log("per-hop p50, without and with the added latency");
      console.table(table);

      // Every hop that GetThread crosses is slower, but the call still fits comfortably in its deadline.
      expect(slow["GetThread (store → authz, store → Postgres)"]).toBeGreaterThan(clean["GetThread (store → authz, store → Postgres)"] + 20);
      for (let n = 0; n < 10; n += 1) {
        const { thread: read } = await perStore[n % 2]!.getThread({ threadId: thread!.threadId }, { headers: alice, timeoutMs: 2_000 });
        expect(read?.threadId).toBe(thread!.threadId);
      }
      const created = await threads.createThread({ metadata: { test: "latency" } }, { headers: bob, timeoutMs: 2_000 });
      expect(created.thread?.metadata).toMatchObject({ owner: "user2" });

      // A deadline shorter than the round trip to Postgres (its replies alone wait 18-22 ms) fails with
      // DEADLINE_EXCEEDED, on time, not after a hang.
      for (const timeoutMs of [10, 15]) {
        const started = performance.now();
        const error = await perStore[0]!.getThread({ threadId: thread!.threadId }, { headers: alice, timeoutMs }).then(
          () => undefined,
          (failure: unknown) => failure,
        );
        const took = performance.now() - started;
        expect(error && codeOf(error), `a ${timeoutMs} ms deadline`).toBe("DeadlineExceeded");
        expect(took, `a ${timeoutMs} ms deadline answered after ${took.toFixed(0)} ms`).toBeLessThan(timeoutMs + 250);
      }
    } finally {
      store.close();
      authn.close();
      await database.end();
      for (const host of Object.values(gatehouse.hosts).flat()) await network.impair(host, {});
    }
  });

  it("fails closed on the one store cut off from authz, with UNAVAILABLE once it knows, while the other serves, and both recover by themselves", async () => {
    const { thread } = await threads.createThread({ metadata: { test: "partition" } }, { headers: alice });
    // A failure is named by its code and whether the store said authorization was what failed.
    const read = (store: number) =>
      perStore[store]!.getThread({ threadId: thread!.threadId }, { headers: alice, timeoutMs: 3_000 }).then(
        (answer) => (answer.thread?.threadId === thread!.threadId ? "OK" : "wrong thread"),
        (error: unknown) => `${codeOf(error)}${/authorization/.test(ConnectError.from(error).rawMessage) ? " (authorization)" : ""}`,
      );
    expect([await read(0), await read(1)]).toEqual(["OK", "OK"]);

    // First a silent cut (frames vanish), then one the network reports (host unreachable).
    const cutOff: Record<"drop" | "reject", string[]> = { drop: [], reject: [] };
    const other: string[] = [];
    try {
      for (const [mode, ms] of [["drop", 4_000], ["reject", 5_000]] as const) {
        await network.partition(gatehouse.hosts.stores[0]!, gatehouse.hosts.authz, mode);
        const started = Date.now();
        while (Date.now() - started < ms) {
          const [first, second] = await Promise.all([read(0), read(1)]);
          cutOff[mode].push(first);
          other.push(second);
        }
      }
    } finally {
      await network.partition(gatehouse.hosts.stores[0]!, gatehouse.hosts.authz, false);
    }
    const healed = Date.now();
    let recoveredAfterMs: number | undefined;
    while (Date.now() - healed < 20_000) {
      if ((await read(0)) === "OK") {
        recoveredAfterMs = Date.now() - healed;
        break;
      }
      await sleep(100);
    }
    const count = (answers: string[]) => Object.fromEntries([...new Set(answers)].map((answer) => [answer, answers.filter((a) => a === answer).length]));
    console.log(
      "answers of the store cut off from authz, silent cut:",
      count(cutOff.drop),
      "reported cut:",
      count(cutOff.reject),
      "of the other store:",
      count(other),
      `; the cut-off store recovered ${recoveredAfterMs} ms after the link returned`,
    );

    expect(other.every((answer) => answer === "OK"), `the other store answered ${JSON.stringify(count(other))}`).toBe(true);
    // Frames to authz vanish without a reset: the store's calls wait out GATEHOUSE_CALL_TIMEOUT_MS
    // (DEADLINE_EXCEEDED), and once keepalive drops the connection, its reconnection waits for SYNs
    // that never return; an unreachable host (a refused connection) would answer UNAVAILABLE at once.
    const failClosed = ["Unavailable (authorization)", "DeadlineExceeded (authorization)"];
    const all = [...cutOff.drop, ...cutOff.reject];
    expect(all.every((answer) => failClosed.includes(answer)), `the cut-off store answered ${JSON.stringify(count(all))}`).toBe(true);
    // Once the network reports the cut and keepalive has dropped the old connection, the answer is UNAVAILABLE, at once.
    expect(cutOff.reject.slice(-3)).toEqual(["Unavailable (authorization)", "Unavailable (authorization)", "Unavailable (authorization)"]);
    expect(recoveredAfterMs, "the cut-off store serves again").toBeDefined();
    expect([await read(0), await read(1)]).toEqual(["OK", "OK"]);
  });

  it("answers every read through a gateway with 5% packet loss correctly, or with a retryable status", async () => {
    await network.impair(gatehouse.hosts.gateway, { direction: "both", loss: 0.05 });
    const written = new Map<string, { owner: typeof alice; marker: string }>();
    const statuses: number[] = [];
    const wrong: string[] = [];
    // Through loss an answer may be late or a retryable 503/504, never another status.
    const retryableStatus = (status: number) => status === 503 || status === 504;
    const call = async (path: string, owner: typeof alice, init?: RequestInit) => {
      const response = await fetch(`${gatehouse.gatewayUrl}${path}`, {
        ...init,
        headers: { ...owner, "content-type": "application/json" },
        signal: AbortSignal.timeout(15_000),
      });
      statuses.push(response.status);
      return { status: response.status, body: (await response.json()) as { thread_id?: string; metadata?: Record<string, unknown> } };
    };
    const started = Date.now();
    try {
      await Promise.all(
        Array.from({ length: 4 }, async (_, worker) => {
          const owner = worker % 2 === 0 ? alice : bob;
          for (let n = 0; n < 15; n += 1) {
            const marker = randomUUID();
            const created = await call("/threads", owner, { method: "POST", body: JSON.stringify({ metadata: { marker } }) });
            if (retryableStatus(created.status)) continue;
            if (created.status !== 200) wrong.push(`create answered ${created.status}`);
            if (created.body.metadata?.marker !== marker) wrong.push(`create answered ${JSON.stringify(created.body)}`);
            written.set(created.body.thread_id!, { owner, marker });
          }
        }),
      );
      for (const [threadId, { owner, marker }] of written) {
        const read = await call(`/threads/${threadId}`, owner);
        if (retryableStatus(read.status)) continue;
        const expectedOwner = owner === alice ? "user1" : "user2";
        if (read.status !== 200 || read.body.thread_id !== threadId || read.body.metadata?.marker !== marker || read.body.metadata?.owner !== expectedOwner) {
          wrong.push(`GET ${threadId} answered ${JSON.stringify(read.body)}`);
        }
        // The other user must still see nothing of it.
        const foreign = await call(`/threads/${threadId}`, owner === alice ? bob : alice);
        if (foreign.status !== 404 && !retryableStatus(foreign.status)) wrong.push(`another user's read of ${threadId} answered ${foreign.status}`);
      }
    } finally {
      await network.impair(gatehouse.hosts.gateway, {});
    }
    const byStatus = Object.fromEntries([...new Set(statuses)].map((status) => [status, statuses.filter((s) => s === status).length]));
    console.log(`through 5% loss: ${written.size} threads written, statuses ${JSON.stringify(byStatus)}, ${Date.now() - started} ms`);
    expect(wrong).toEqual([]);
    expect(statuses.every((status) => [200, 404, 503, 504].includes(status)), JSON.stringify(byStatus)).toBe(true);
    expect(written.size).toBeGreaterThan(40);
  });

  it("loses no acknowledged write and fails only retryably when a store's host is torn down under load", async () => {
    const tag = randomUUID();
    const acknowledged = new Map<string, typeof alice>();
    const users = [alice, bob];
    const messages = new Set<string>();
    const load = startSteadyLoad(6, async (worker, step) => {
      const owner = users[worker % 2]!;
      const mine = [...acknowledged].filter(([, who]) => who === owner).map(([id]) => id);
      const kind = step % 2 === 0 && mine.length > 0 ? "GetThread" : "CreateThread";
      try {
        if (kind === "CreateThread") {
          const { thread } = await threads.createThread({ metadata: { tag } }, { headers: owner, timeoutMs: 3_000 });
          acknowledged.set(thread!.threadId, owner);
        } else {
          const threadId = mine[Math.floor(Math.random() * mine.length)]!;
          const { thread } = await threads.getThread({ threadId }, { headers: owner, timeoutMs: 3_000 });
          if (thread?.threadId !== threadId) return { what: kind, failure: "wrong thread" };
        }
        return { what: kind };
      } catch (error) {
        messages.add(`${kind}: ${ConnectError.from(error).rawMessage}`);
        return { what: kind, failure: codeOf(error) };
      }
    });
    try {
      await sleep(2_000);
      load.nextPhase();
      await network.destroyHost(gatehouse.hosts.stores[1]!);
      await sleep(5_000);
      load.nextPhase();
      await sleep(2_000);
    } finally {
      await load.stop();
    }
    const outcomes = load.outcomes;
    const summary = (phase: number) => {
      const inPhase = outcomes.filter((outcome) => outcome.phase === phase);
      return Object.fromEntries([...new Set(inPhase.map((o) => o.failure ?? "OK"))].map((key) => [key, inPhase.filter((o) => (o.failure ?? "OK") === key).length]));
    };
    console.log("before the teardown:", summary(0), "the 5 s after:", summary(1), "later:", summary(2), "failures said:", [...messages]);

    expect(outcomes.filter((outcome) => outcome.failure !== undefined && !retryable.has(outcome.failure))).toEqual([]);
    expect(outcomes.filter((outcome) => outcome.phase === 2 && outcome.failure === undefined).length, "successes once the host is gone").toBeGreaterThan(10);

    for (const owner of users) {
      const ids = [...acknowledged].filter(([, who]) => who === owner).map(([id]) => id);
      const found = new Set<string>();
      for (let start = 0; start < ids.length; start += 1_000) {
        const chunk = ids.slice(start, start + 1_000);
        const { threads: page } = await perStore[0]!.searchThreads({ ids: chunk, limit: chunk.length }, { headers: owner, timeoutMs: 10_000 });
        for (const thread of page) found.add(thread.threadId);
      }
      expect(ids.filter((id) => !found.has(id))).toEqual([]);
    }
  });
});
