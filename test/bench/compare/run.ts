/**
 * `npm run bench:compare`: Gatehouse against the LangGraph.js dev server,
 * side by side in one run, with the stock `@langchain/langgraph-sdk` Client
 * sending both the same requests (README, "Benchmark").
 *
 * Both serve the tutorial's auth module (examples/private-chat/
 * auth.langgraph.ts, export `auth`) and example graph. Gatehouse runs as
 * processes on real Postgres (DATABASE_URL, a throwaway database) and Redis
 * (REDIS_URL), both defaulting to the local ones; the peer is
 * `langgraphjs dev` from the pinned devDependency, in memory and offline.
 *
 * BENCH_SIZES (default "10000,100000") sets the threads seeded per server,
 * BENCH_SECONDS (default 5) how long each server runs per row, in turns of
 * BENCH_SLICE_SECONDS (default 1), BENCH_WARMUP_SECONDS (default 1) the
 * warm-up before it, BENCH_TOPOLOGIES (default "split") the
 * Gatehouse process layouts to measure, BENCH_OUT a path for the results as
 * JSON. Prints progress on stderr and the Markdown report on stdout.
 */
import { writeFile } from "node:fs/promises";
import { fromRoot } from "../../support/test-gatehouse.js";
import { runCalls, sampleCalls, summarizeSamples, type LoadSample } from "../load.js";
import { chooseTopologies, type BenchGatehouse } from "./gatehouse-topologies.js";
import { startPeerServer, type PeerServer } from "./peer-server.js";
import { cpuSecondsBetween, createRssSampler, namedCpuTicks, treesCpuSeconds, treesResidentKib, waitForQuiet } from "./process-tree.js";
import { describeMachine, formatReport, sizeLabel, type BenchReport, type CpuPerCall, type Outcome, type ServerReport } from "./report.js";
import { benchTarget, benchUsers, httpStatusOf, otherScenarios, threadScenarios, type BenchTarget, type Scenario, type ScenarioCall } from "./scenarios.js";
import { countThreads, seedIntoPostgres, seedThroughApi } from "./seeding.js";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
process.env.DATABASE_URL ??= "postgres://postgres@127.0.0.1:5432/test";
const sizes = (process.env.BENCH_SIZES ?? "10000,100000").split(",").map(Number);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const sliceSeconds = Number(process.env.BENCH_SLICE_SECONDS ?? 1);
const topologyNames = process.env.BENCH_TOPOLOGIES ?? "split";
/** Scenario names to run (such as `threads.get,runs.wait`); every scenario when unset. */
const scenarioNames = process.env.BENCH_SCENARIOS?.split(",").map((name) => name.trim());
const chosen = (scenario: Scenario) => scenarioNames === undefined || scenarioNames.some((name) => scenario.name.startsWith(name));
const inFlightLevels = [1, 32];
/** The command names of the servers Gatehouse keeps its data in, whose CPU counts toward each of its calls. */
const backingServers = ["postgres", "redis-server"];
const settleMaxMs = 60_000;
if (sizes.some((size) => !Number.isInteger(size) || size < 100)) throw new Error("BENCH_SIZES must be whole numbers of threads, each at least 100");
if (!(seconds > 0) || !(warmupSeconds >= 0)) throw new Error("BENCH_SECONDS must be positive and BENCH_WARMUP_SECONDS not negative");
if (!(sliceSeconds > 0)) throw new Error("BENCH_SLICE_SECONDS must be positive");
/** The turns each server takes per row. */
const slices = Math.max(1, Math.round(seconds / sliceSeconds));
const topologies = chooseTopologies(topologyNames);
if (topologies.length === 0) throw new Error("BENCH_TOPOLOGIES names no topology");

/** The tutorial's module and graph, as both servers load them (langgraph.json / gatehouse.json form). */
const authModule = "examples/private-chat/auth.langgraph.ts:auth";
const graphModule = "examples/private-chat/graph.ts:graph";

/** A server under measurement, whatever it is. */
interface Contender {
  report: ServerReport;
  target: BenchTarget;
  /** Roots of its process trees. */
  pids: number[];
  /**
   * How long after its last request it may still start background work:
   * the dev server writes its in-memory state to disk 3 s after the last
   * change. The next measurement waits that long and for the work to end.
   */
  quietAfterMs: number;
  lastUsed: number;
  seed(from: number, to: number): Promise<string>;
  stop(): Promise<void>;
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const report: BenchReport = {
  date: new Date().toISOString(),
  machine: describeMachine(),
  settings: { sizes, seconds, sliceSeconds: seconds / slices, warmupSeconds, inFlight: inFlightLevels, topologies: topologies.map(([name]) => name), ...(scenarioNames && { scenarios: scenarioNames }) },
  servers: [],
  seeding: [],
  results: [],
  notes: [],
};
const contenders: Contender[] = [];

/** Waits until no contender has background work pending or running. */
async function settle(): Promise<void> {
  const due = Math.max(...contenders.map((contender) => contender.lastUsed + contender.quietAfterMs));
  if (due > Date.now()) await new Promise((done) => setTimeout(done, due - Date.now()));
  const { quiet, waitedMs } = await waitForQuiet(
    contenders.flatMap((contender) => contender.pids),
    { maxMs: settleMaxMs },
  );
  if (!quiet) {
    const note = `The servers were still busy ${Math.round(waitedMs / 1000)} s after a measurement; the next one started anyway.`;
    if (!report.notes.includes(note)) report.notes.push(note);
  }
}

/** Prepares a scenario on one server and makes one call, to tell a 501 (not implemented yet) from a working endpoint. */
async function prepare(scenario: Scenario, contender: Contender): Promise<ScenarioCall | Outcome> {
  try {
    const call = await scenario.prepare(contender.target);
    await call(0);
    return call;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return httpStatusOf(error) === 501 ? { kind: "unsupported", detail } : { kind: "failed", detail };
  } finally {
    contender.lastUsed = Date.now();
  }
}

/**
 * Measures one scenario on every server at every in-flight level. Once the
 * servers went quiet and each had its warm-up, they take turns in slices of
 * BENCH_SLICE_SECONDS, always in the same order, until each has run
 * BENCH_SECONDS: a machine that speeds up or slows down during a row does so
 * for every server alike, where measuring one server after the other would
 * credit the drift to one of them.
 */
async function measure(name: string, scenario: Scenario): Promise<void> {
  const calls = new Map<Contender, ScenarioCall | Outcome>();
  for (const contender of contenders) calls.set(contender, await prepare(scenario, contender));
  const running = contenders.flatMap((contender) => {
    const call = calls.get(contender)!;
    return typeof call === "function" ? [{ contender, call }] : [];
  });
  for (const inFlight of inFlightLevels) {
    await settle();
    if (warmupSeconds > 0) for (const { call } of running) await runCalls(call, inFlight, warmupSeconds * 1000);
    const taken = new Map(
      running.map(({ contender }) => {
        const cpu: CpuSeconds = { server: 0, load: 0, ...(contender.report.role === "gatehouse" && { backing: 0 }) };
        return [contender, { samples: [] as LoadSample[], cpu }];
      }),
    );
    for (let slice = 0; slice < slices; slice++) {
      for (const { contender, call } of running) {
        const mine = taken.get(contender)!;
        const before = cpuNow(contender);
        const firstCall = mine.samples.reduce((sum, sample) => sum + sample.latencies.length, 0);
        mine.samples.push(await sampleCalls(call, inFlight, (seconds * 1000) / slices, firstCall));
        const after = cpuNow(contender);
        mine.cpu.server += after.server - before.server;
        if (mine.cpu.backing !== undefined) mine.cpu.backing += cpuSecondsBetween(before.backing, after.backing);
        mine.cpu.load += after.load - before.load;
        contender.lastUsed = Date.now();
      }
    }
    for (const contender of contenders) {
      const call = calls.get(contender)!;
      let outcome: Outcome;
      if (typeof call !== "function") {
        outcome = call;
      } else {
        const { samples, cpu } = taken.get(contender)!;
        const result = summarizeSamples(samples);
        outcome = { kind: "measured", ...result, cpu: cpuPerCall(cpu, result.calls) };
      }
      report.results.push({ scenario: name, inFlight, server: contender.report.label, outcome });
      log(`${name.padEnd(34)} ${String(inFlight).padStart(2)} in flight  ${contender.report.label.padEnd(20)} ${describe(outcome)}`);
    }
  }
}

/** CPU seconds spent, in the shape of CpuPerCall. */
type CpuSeconds = CpuPerCall;

/** What CPU a contender, what backs it when it is Gatehouse (Postgres, Redis), and this process (the load generator) have used so far. */
interface CpuReading {
  server: number;
  backing: Map<number, number>;
  load: number;
}

function cpuNow(contender: Contender): CpuReading {
  const { user, system } = process.cpuUsage();
  return {
    server: treesCpuSeconds(contender.pids),
    backing: contender.report.role === "gatehouse" ? namedCpuTicks(backingServers) : new Map(),
    load: (user + system) / 1e6,
  };
}

/** CPU seconds spent over `calls` calls, as microseconds per call. */
function cpuPerCall(spent: CpuSeconds, calls: number): CpuPerCall | undefined {
  if (calls === 0) return undefined;
  const perCall = (seconds: number) => (seconds * 1e6) / calls;
  return { server: perCall(spent.server), ...(spent.backing !== undefined && { backing: perCall(spent.backing) }), load: perCall(spent.load) };
}

function describe(outcome: Outcome): string {
  if (outcome.kind !== "measured") return `${outcome.kind}: ${outcome.detail.split("\n")[0]}`;
  const cpu = outcome.cpu;
  const spent = cpu === undefined ? "" : `  CPU µs/call: server ${Math.round(cpu.server)}${cpu.backing === undefined ? "" : ` + ${Math.round(cpu.backing)}`}, load ${Math.round(cpu.load)}`;
  return `p50 ${outcome.p50Ms.toFixed(2)} ms  p99 ${outcome.p99Ms.toFixed(2)} ms  ${Math.round(outcome.callsPerSecond)} calls/s  (${outcome.calls} calls, ${outcome.errors} errors)${spent}`;
}

async function startGatehouse(label: string, start: (typeof topologies)[number][1]): Promise<Contender> {
  const gatehouse: BenchGatehouse = await start({
    configPath: fromRoot("examples/private-chat/gatehouse.langgraph.json"),
    redisUrl,
    // Two callers drive thousands of calls a second here: no per-caller rate limit, and warnings only in the log.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "warn", GATEHOUSE_RATE_LIMIT_PER_SECOND: "0" },
  });
  return {
    report: { label, role: "gatehouse", description: `${gatehouse.pids.length} processes (Postgres and Redis not counted)`, idleKib: 0, peakKib: 0 },
    target: benchTarget(label, gatehouse.url),
    pids: gatehouse.pids,
    quietAfterMs: 0,
    lastUsed: 0,
    async seed(from, to) {
      await seedIntoPostgres(gatehouse.databaseUrl, from, to);
      return "straight into Postgres";
    },
    stop: () => gatehouse.stop(),
  };
}

async function startPeer(): Promise<Contender> {
  const peer: PeerServer = await startPeerServer({ graphs: { agent: graphModule }, auth: authModule, probeToken: benchUsers[0].token });
  const label = "LangGraph.js dev";
  const target = benchTarget(label, peer.url);
  report.notes.push(
    `Peer: \`langgraphjs dev\` from @langchain/langgraph-cli ${peer.versions.cli} (@langchain/langgraph-api ${peer.versions.api}), in memory, ` +
      "no reload watcher, warnings-only log; it writes its state to a file 3 s after the last change, so each row waits for that to end, " +
        "and with turns of 1 s (up to three servers) it never comes within a row.",
  );
  return {
    report: { label, role: "peer", description: "CLI, tsx and the API server (all its data in memory)", idleKib: 0, peakKib: 0 },
    target,
    pids: [peer.pid],
    quietAfterMs: 3_500,
    lastUsed: 0,
    async seed(from, to) {
      await seedThroughApi(target, from, to - from);
      return "through its API, 64 in flight";
    },
    stop: () => peer.stop(),
  };
}

try {
  log(`starting Gatehouse (${topologies.map(([name]) => name).join(", ")}) and the LangGraph.js dev server`);
  for (const [name, start] of topologies) contenders.push(await startGatehouse(`Gatehouse (${name})`, start));
  contenders.push(await startPeer());
  await settle();
  for (const contender of contenders) contender.report.idleKib = treesResidentKib(contender.pids);
  const sampler = createRssSampler(new Map(contenders.map((contender) => [contender.report.label, contender.pids])));

  for (const size of sizes) {
    for (const contender of contenders) {
      const held = await countThreads(contender.target);
      if (held >= size) continue;
      const started = performance.now();
      const via = await contender.seed(held, size);
      const seeded = { server: contender.report.label, threads: size, added: size - held, seconds: (performance.now() - started) / 1000, via };
      report.seeding.push(seeded);
      contender.lastUsed = Date.now();
      log(`seeded ${seeded.server} to ${size} threads (${seeded.added} added ${via}) in ${seeded.seconds.toFixed(1)} s`);
    }
    for (const scenario of threadScenarios.filter(chosen)) await measure(`${scenario.name}, ${sizeLabel(size)} threads`, scenario);
  }
  for (const scenario of otherScenarios.filter(chosen)) await measure(scenario.name, scenario);

  const peaks = sampler.peaks();
  sampler.stop();
  for (const contender of contenders) contender.report.peakKib = peaks.get(contender.report.label) ?? 0;
  report.servers = contenders.map((contender) => contender.report);
  console.log(formatReport(report));
  if (process.env.BENCH_OUT) await writeFile(process.env.BENCH_OUT, `${JSON.stringify(report, null, 2)}\n`);
} finally {
  for (const contender of contenders) await contender.stop();
}
