/**
 * `node --import tsx test/bench/profile/sdk-profile.ts`: drives
 * threads.create, threads.get and threads.update through the stock
 * LangGraph SDK against Gatehouse split into its four processes, and with
 * PROFILE_DIR set, has every service write a V8 CPU profile there when it
 * stops (`--cpu-prof`), one file per process, named after the service.
 *
 * PROFILE_SECONDS (default 5) sets each scenario's duration,
 * PROFILE_IN_FLIGHT (default 32) the calls kept in flight,
 * PROFILE_SCENARIOS (default "threads.create,threads.get,threads.update")
 * which to run, by the names bench:compare prints (any of its scenarios). Read the profiles with summarize.ts beside this file.
 * Each scenario's line gives every service's CPU time per call (user and
 * system, from /proc), which a machine busy with other work disturbs far
 * less than calls per second.
 * Loopback only; bounded in time.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { startCluster } from "@gatehouse/launcher";
import { fromRoot } from "../../support/test-gatehouse.js";
import { createTestDatabase } from "../../support/test-database.js";
import { runCalls } from "../load.js";
import { benchTarget, otherScenarios, threadScenarios } from "../compare/scenarios.js";
import { seedIntoPostgres } from "../compare/seeding.js";
import { cpuSecondsBetween, namedCpuTicks, treesCpuSeconds } from "../compare/process-tree.js";

const seconds = Number(process.env.PROFILE_SECONDS ?? 5);
const inFlight = Number(process.env.PROFILE_IN_FLIGHT ?? 32);
const wanted = (process.env.PROFILE_SCENARIOS ?? "threads.create,threads.get,threads.update").split(",");
const profileDir = process.env.PROFILE_DIR === undefined ? undefined : resolve(process.env.PROFILE_DIR);
process.env.DATABASE_URL ??= "postgres://postgres@127.0.0.1:5432/test";

/** CPU time of a process and its children so far, in milliseconds. */
const cpuMs = (pid: number) => treesCpuSeconds([pid]) * 1000;

/** Starts measuring one share of the CPU; the function it returns gives the milliseconds spent since. */
type CpuMeter = () => () => number;

/** A meter over a reading that only grows (a process's CPU time so far). */
const meterOf = (read: () => number): CpuMeter => () => {
  const start = read();
  return () => read() - start;
};

/** Every Postgres server process on this machine: the database's share of each call. */
const postgresMeter: CpuMeter = () => {
  const start = namedCpuTicks(["postgres"]);
  return () => cpuSecondsBetween(start, namedCpuTicks(["postgres"])) * 1000;
};

/** This process's CPU time (the SDK clients generating the load), in milliseconds. */
const loadCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const database = await createTestDatabase();
if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
try {
  // Node names each profile CPU.<date>.<time>.<pid>...; pids.json tells which service each pid was.
  const cluster = await startCluster({
    configPath: fromRoot("examples/private-chat/gatehouse.langgraph.json"),
    databaseUrl: database.url,
    redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    gatewayPort: 0,
    env: {
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
      GATEHOUSE_RATE_LIMIT_PER_SECOND: "0",
      ...(profileDir !== undefined && { GATEHOUSE_NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` }),
    },
  });
  try {
    // After the start: the store creates the tables.
    await seedIntoPostgres(database.url, 0, 1000);
    const pids: Record<string, number[]> = Object.fromEntries(
      Object.entries(cluster.replicas).map(([name, list]) => [name, list.map((service) => service.child.pid!)]),
    );
    // One meter per set of processes, named after every service it runs: in the combined layout all are one process.
    const groups = new Map<string, { names: string[]; pids: number[] }>();
    for (const [name, list] of Object.entries(pids).filter(([, list]) => list.length > 0)) {
      const group = groups.get(list.join()) ?? { names: [], pids: list };
      group.names.push(name);
      groups.set(list.join(), group);
    }
    const meters: [string, CpuMeter][] = [
      ...[...groups.values()].map(({ names, pids: group }): [string, CpuMeter] => [names.join("+"), meterOf(() => group.reduce((sum, pid) => sum + cpuMs(pid), 0))]),
      ["postgres", postgresMeter],
      ["load", meterOf(loadCpuMs)],
    ];
    if (profileDir !== undefined) writeFileSync(`${profileDir}/pids.json`, `${JSON.stringify(pids)}\n`);
    const target = benchTarget("Gatehouse (split)", `http://${cluster.gateway!.address}`);
    for (const scenario of [...threadScenarios, ...otherScenarios].filter((candidate) => wanted.includes(candidate.name))) {
      const call = await scenario.prepare(target);
      await runCalls(call, inFlight, 1000);
      const spent = meters.map(([name, start]) => [name, start()] as const);
      const result = await runCalls(call, inFlight, seconds * 1000);
      const perCall = spent.map(([name, sinceStart]) => `${name} ${Math.round((sinceStart() * 1000) / result.calls)}`).join(", ");
      console.log(
        `${scenario.name.padEnd(16)} ${String(inFlight).padStart(2)} in flight  ${Math.round(result.callsPerSecond)} calls/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  (${result.errors} errors)  CPU µs/call: ${perCall}`,
      );
    }
  } finally {
    await cluster.stop();
  }
} finally {
  await database.drop();
}
