/**
 * `npm run bench:memory`: the resident memory of `npm start` in each
 * topology on the embedded default (PGlite, no Redis), idle and under a short
 * load of LangGraph SDK calls through the gateway (README, "Topologies").
 * It starts services/dev/src/main.ts as `npm start` does, on a fresh data
 * folder, and samples VmRSS of the whole process tree (/proc/<pid>/status).
 * The peer, `langgraphjs dev` with the same graph and auth, runs under the
 * same load in the same run (MEMORY_PEER=0 leaves it out), so each ratio
 * compares figures of one machine at one time. MEMORY_TOPOLOGIES (default
 * `split,combined`), MEMORY_LOAD_SECONDS (default 10) and MEMORY_CLIENTS
 * (default 4) shape the run.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { startPeerServer } from "./compare/peer-server.js";
import { processTree, residentKib } from "./compare/process-tree.js";

const repoRoot = resolve(import.meta.dirname, "../..");
const topologies = (process.env.MEMORY_TOPOLOGIES ?? "split,combined").split(",").map((name) => name.trim());
const loadSeconds = Number(process.env.MEMORY_LOAD_SECONDS ?? 10);
const clients = Number(process.env.MEMORY_CLIENTS ?? 4);
const withPeer = process.env.MEMORY_PEER !== "0";
const authModule = "examples/private-chat/auth.langgraph.ts:auth";
const graphModule = "examples/private-chat/graph.ts:graph";

/** Resident memory of a process tree in MiB, and how many processes it has. */
function treeMib(root: number): { mib: number; processes: number } {
  const pids = processTree(root);
  return { mib: pids.reduce((sum, pid) => sum + residentKib(pid), 0) / 1024, processes: pids.length };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Starts `npm start` in a topology on a fresh embedded database; resolves with the gateway's URL once it is up. */
async function startDev(topology: string, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  // No per-caller rate limit: a handful of clients drive more calls a second than the default allows one caller.
  const child = spawn(process.execPath, ["--import", "tsx", resolve(repoRoot, "services/dev/src/main.ts")], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: "", REDIS_URL: "", GATEHOUSE_TOPOLOGY: topology, GATEHOUSE_DATA_DIR: dataDir, STORE_PORT: "0", GATEWAY_PORT: "0", LOG_LEVEL: "warn", GATEHOUSE_RATE_LIMIT_PER_SECOND: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`npm start (${topology}) did not start:\n${output}`)), 120_000);
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /gateway {2}(http:\/\/[\d.]+:\d+)/.exec(output);
      if (match && output.includes("Press Ctrl+C to stop.")) {
        clearTimeout(timer);
        done({ child, url: match[1]! });
      }
    };
    child.stdout!.on("data", take);
    child.stderr!.on("data", take);
    child.once("exit", (code) => fail(new Error(`npm start (${topology}) exited with ${code}:\n${output}`)));
  });
}

/** The tutorial's calls, over and over: create a thread, read it, search, and Bob's denied read. */
async function load(url: string, until: number): Promise<number> {
  const alice = new Client({ apiUrl: url, apiKey: null, defaultHeaders: { Authorization: "Bearer user1-token" } });
  const bob = new Client({ apiUrl: url, apiKey: null, defaultHeaders: { Authorization: "Bearer user2-token" } });
  let calls = 0;
  while (Date.now() < until) {
    const thread = await alice.threads.create();
    await alice.threads.get(thread.thread_id);
    await alice.threads.search({ limit: 10 });
    await bob.threads.get(thread.thread_id).catch(() => undefined);
    calls += 4;
  }
  return calls;
}

/** Samples a process tree idle, then under the load; returns its report row. */
async function measure(label: string, root: number, url: string): Promise<{ label: string; peak: number; row: string }> {
  // Let start-up garbage settle before the idle figure.
  await sleep(5_000);
  const idleSamples: number[] = [];
  for (let i = 0; i < 6; i++) {
    idleSamples.push(treeMib(root).mib);
    await sleep(500);
  }
  const { processes } = treeMib(root);
  const until = Date.now() + loadSeconds * 1000;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, treeMib(root).mib)), 250);
  const calls = (await Promise.all(Array.from({ length: clients }, () => load(url, until)))).reduce((a, b) => a + b, 0);
  clearInterval(sampler);
  const idle = idleSamples.reduce((a, b) => a + b, 0) / idleSamples.length;
  return { label, peak, row: `| ${label} | ${processes} | ${idle.toFixed(0)} | ${peak.toFixed(0)} | ${(calls / loadSeconds).toFixed(0)} |` };
}

const results: { label: string; peak: number; row: string }[] = [];
for (const topology of topologies) {
  const dataDir = await mkdtemp(join(tmpdir(), "gatehouse-memory-"));
  const { child, url } = await startDev(topology, dataDir);
  try {
    results.push(await measure(`Gatehouse ${topology}`, child.pid!, url));
  } finally {
    const exited = new Promise((done) => child.once("exit", done));
    child.kill("SIGTERM");
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  }
}
if (withPeer) {
  // The peer, in the same run under the same load: the ratio compares figures of one machine at one time.
  const peer = await startPeerServer({ graphs: { agent: graphModule }, auth: authModule, probeToken: "user1-token" });
  try {
    results.push(await measure(`langgraphjs dev ${peer.versions.cli}`, peer.pid, peer.url));
  } finally {
    await peer.stop();
  }
}

const peerPeak = withPeer ? results.at(-1)!.peak : undefined;
process.stdout.write(
  [
    `Resident memory on the embedded database (MiB, VmRSS of the process tree; load: ${clients} SDK clients for ${loadSeconds} s)`,
    "",
    "| server | processes | idle | peak under load | SDK calls/s |",
    "|---|---|---|---|---|",
    ...results.map(({ row }) => row),
    "",
    ...(peerPeak === undefined ? [] : results.slice(0, -1).map(({ label, peak }) => `${label}: ${(peak / peerPeak).toFixed(2)}× the peer's peak`)),
    "",
  ].join("\n"),
);
