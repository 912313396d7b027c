import { cpus, platform, release } from "node:os";

/** What one scenario measured on one server at one in-flight level. */
export type Outcome =
  | { kind: "measured"; p50Ms: number; p99Ms: number; callsPerSecond: number; calls: number; errors: number; cpu?: CpuPerCall }
  /** The server answered 501 Not Implemented. */
  | { kind: "unsupported"; detail: string }
  /** The scenario could not be prepared or its first call failed otherwise. */
  | { kind: "failed"; detail: string };

/**
 * CPU time per call while a scenario ran, in microseconds: a machine that
 * runs slower or faster from one minute to the next changes these far less
 * than calls per second.
 */
export interface CpuPerCall {
  /** The server's own process tree. */
  server: number;
  /** The database and cache servers it uses (Postgres, Redis); absent for a server that keeps everything in memory. */
  backing?: number;
  /** The load generator: the SDK clients in the benchmark's process. */
  load: number;
}

/** One cell of the comparison. */
export interface ResultRow {
  scenario: string;
  inFlight: number;
  /** A server's label, as in `BenchReport.servers`. */
  server: string;
  outcome: Outcome;
}

/** One server that was measured, and the memory its process tree used. */
export interface ServerReport {
  label: string;
  role: "gatehouse" | "peer";
  /** What runs, e.g. "4 processes: authn, authz, store, gateway". */
  description: string;
  /** Resident memory of the process tree once started and quiet, before any data, KiB. */
  idleKib: number;
  /** The highest resident memory of the process tree seen while the benchmark ran, seeding included, KiB. */
  peakKib: number;
}

/** How long seeding one server to one size took. */
export interface SeedReport {
  server: string;
  threads: number;
  added: number;
  seconds: number;
  via: string;
}

/** The machine the figures were measured on. */
export interface MachineReport {
  cpu: string;
  cores: number;
  node: string;
  os: string;
}

/** Everything one `npm run bench:compare` measured; written as JSON with BENCH_OUT. */
export interface BenchReport {
  /** ISO time the run started. */
  date: string;
  machine: MachineReport;
  settings: { sizes: number[]; seconds: number; sliceSeconds: number; warmupSeconds: number; inFlight: number[]; topologies: string[]; scenarios?: string[] };
  servers: ServerReport[];
  seeding: SeedReport[];
  results: ResultRow[];
  /** Things the reader should know about this run (settling that timed out, and the like). */
  notes: string[];
}

/** The machine this process runs on. */
export function describeMachine(): MachineReport {
  const cores = cpus();
  return { cpu: cores[0]?.model.trim() ?? "unknown", cores: cores.length, node: process.version, os: `${platform()} ${release()}` };
}

/** 10000 → "10k", 1000000 → "1M". */
export function sizeLabel(threads: number): string {
  if (threads >= 1_000_000 && threads % 1_000_000 === 0) return `${threads / 1_000_000}M`;
  if (threads >= 1_000 && threads % 1_000 === 0) return `${threads / 1_000}k`;
  return String(threads);
}

/** Milliseconds with three significant figures or so. */
function ms(value: number): string {
  if (!Number.isFinite(value)) return "–";
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** Calls per second, grouped by thousands with a space. */
function rate(value: number): string {
  const whole = value >= 100 ? Math.round(value) : Number(value.toFixed(1));
  return String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}

function ratio(value: number): string {
  if (!Number.isFinite(value) || value <= 0) return "n/a";
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}×`;
}

function mib(kib: number): string {
  return (kib / 1024).toFixed(0);
}

/** The three cells (p50, p99, calls/s) of one outcome; a dagger marks a run with errors. */
function cells(outcome: Outcome | undefined): string[] {
  if (outcome === undefined || outcome.kind === "unsupported") return ["n/a", "n/a", "n/a"];
  if (outcome.kind === "failed") return ["failed", "failed", "failed"];
  const mark = outcome.errors > 0 ? " †" : "";
  return [ms(outcome.p50Ms), ms(outcome.p99Ms), rate(outcome.callsPerSecond) + mark];
}

function measured(outcome: Outcome | undefined): Extract<Outcome, { kind: "measured" }> | undefined {
  return outcome?.kind === "measured" && outcome.calls > outcome.errors ? outcome : undefined;
}

function row(values: string[]): string {
  return `| ${values.join(" | ")} |`;
}

/** The servers in table order: every Gatehouse topology, then the peer, if it ran. */
function columnsOf(report: BenchReport): { gatehouses: ServerReport[]; peer: ServerReport | undefined; ordered: ServerReport[] } {
  const gatehouses = report.servers.filter((server) => server.role === "gatehouse");
  const peer = report.servers.find((server) => server.role === "peer");
  return { gatehouses, peer, ordered: [...gatehouses, ...(peer ? [peer] : [])] };
}

/**
 * One Markdown table for one in-flight level: per scenario, p50, p99 and
 * calls/s of every Gatehouse topology and of the peer, then each topology's
 * throughput over the peer's and, with one call in flight, its p50 over the
 * peer's (below 1 is faster).
 */
export function formatLevelTable(report: BenchReport, inFlight: number): string {
  const { gatehouses, peer, ordered } = columnsOf(report);
  const outcomes = new Map(report.results.filter((result) => result.inFlight === inFlight).map((result) => [`${result.scenario}\u0000${result.server}`, result.outcome]));
  const scenarios = [...new Set(report.results.filter((result) => result.inFlight === inFlight).map((result) => result.scenario))];
  const sequential = inFlight === 1;
  const header = ["scenario", ...ordered.flatMap((server) => [`${server.label} p50 ms`, "p99 ms", "calls/s"])];
  for (const gatehouse of peer ? gatehouses : []) {
    const who = gatehouses.length > 1 ? `${gatehouse.label} ` : "";
    header.push(`${who}calls/s ÷ peer`);
    if (sequential) header.push(`${who}p50 ÷ peer`);
  }
  const lines = [row(header), row(header.map((_, n) => (n === 0 ? "---" : "---:")))];
  for (const scenario of scenarios) {
    const outcome = (server: string) => outcomes.get(`${scenario}\u0000${server}`);
    const values = [scenario, ...ordered.flatMap((server) => cells(outcome(server.label)))];
    for (const gatehouse of peer ? gatehouses : []) {
      const ours = measured(outcome(gatehouse.label));
      const theirs = measured(outcome(peer!.label));
      values.push(ours && theirs ? ratio(ours.callsPerSecond / theirs.callsPerSecond) : "n/a");
      if (sequential) values.push(ours && theirs ? ratio(ours.p50Ms / theirs.p50Ms) : "n/a");
    }
    lines.push(row(values));
  }
  return lines.join("\n");
}

/**
 * The CPU table for one in-flight level: per scenario, the microseconds of
 * CPU each call cost every server (with its database and cache, written
 * `server + backing`) and the load generator, and each Gatehouse topology's
 * whole cost over the peer's (below 1 costs less).
 */
export function formatCpuTable(report: BenchReport, inFlight: number): string {
  const { gatehouses, peer, ordered } = columnsOf(report);
  const results = report.results.filter((result) => result.inFlight === inFlight);
  const cpuOf = (scenario: string, server: string) => measured(results.find((result) => result.scenario === scenario && result.server === server)?.outcome)?.cpu;
  const whole = (cpu: CpuPerCall) => cpu.server + (cpu.backing ?? 0);
  const header = ["scenario", ...ordered.flatMap((server) => [`${server.label} µs`, "load µs"])];
  if (peer) header.push(...gatehouses.map((gatehouse) => `${gatehouses.length > 1 ? `${gatehouse.label} ` : ""}CPU ÷ peer`));
  const lines = [row(header), row(header.map((_, n) => (n === 0 ? "---" : "---:")))];
  for (const scenario of [...new Set(results.map((result) => result.scenario))]) {
    const values = [scenario];
    for (const server of ordered) {
      const cpu = cpuOf(scenario, server.label);
      const spent = cpu === undefined ? "n/a" : cpu.backing === undefined ? `${Math.round(cpu.server)}` : `${Math.round(cpu.server)} + ${Math.round(cpu.backing)}`;
      values.push(spent, cpu === undefined ? "n/a" : `${Math.round(cpu.load)}`);
    }
    const theirs = peer && cpuOf(scenario, peer.label);
    for (const gatehouse of peer ? gatehouses : []) {
      const ours = cpuOf(scenario, gatehouse.label);
      values.push(ours && theirs ? ratio(whole(ours) / whole(theirs)) : "n/a");
    }
    lines.push(row(values));
  }
  return lines.join("\n");
}

/** The memory table: each server's process tree, idle after start and at its peak. */
export function formatMemoryTable(report: BenchReport): string {
  const lines = [row(["server", "process tree", "idle RSS MiB", "peak RSS MiB"]), row(["---", "---", "---:", "---:"])];
  for (const server of report.servers) lines.push(row([server.label, server.description, mib(server.idleKib), mib(server.peakKib)]));
  return lines.join("\n");
}

/** The whole report as Markdown, ready for the README: the machine, one table per in-flight level, memory, seeding and notes. */
export function formatReport(report: BenchReport): string {
  const { machine, settings } = report;
  const out = [
    `Measured ${report.date.slice(0, 10)} on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node} (${machine.os}). ` +
      `Threads seeded per server: ${settings.sizes.map(sizeLabel).join(", ")}; in each row every server runs ${settings.seconds} s in turns of ` +
      `${settings.sliceSeconds} s, always in the same order, after all went idle and each had a ${settings.warmupSeconds} s warm-up, so the machine's ` +
      `drift falls on every server alike. The load generator (the stock SDK \`Client\`, one per user) runs on the same cores as both servers.`,
  ];
  for (const inFlight of settings.inFlight) {
    out.push("", `**${inFlight} in flight**${inFlight === 1 ? " (sequential)" : ""}`, "", formatLevelTable(report, inFlight));
  }
  const busiest = Math.max(...settings.inFlight);
  out.push(
    "",
    `**CPU per call, ${busiest} in flight** (microseconds; Gatehouse's written as its processes + Postgres and Redis)`,
    "",
    formatCpuTable(report, busiest),
  );
  out.push("", "**Memory**", "", formatMemoryTable(report));
  const withErrors = report.results.filter((result) => result.outcome.kind === "measured" && result.outcome.errors > 0);
  const failed = report.results.filter((result) => result.outcome.kind === "failed");
  const footnotes = [
    "n/a: the server answered 501 Not Implemented (or there is nothing to compare with).",
    ...withErrors.map((result) => {
      const outcome = result.outcome as Extract<Outcome, { kind: "measured" }>;
      return `† ${result.server}, ${result.scenario}, ${result.inFlight} in flight: ${outcome.errors} of ${outcome.calls} calls failed.`;
    }),
    ...failed.map((result) => `failed: ${result.server}, ${result.scenario}: ${(result.outcome as { detail: string }).detail}`),
    ...report.seeding.map((seed) => `Seeding ${seed.server} to ${sizeLabel(seed.threads)} threads (${seed.added} added ${seed.via}) took ${seed.seconds.toFixed(1)} s.`),
    ...report.notes,
  ];
  out.push("", ...footnotes.map((line) => `- ${line}`));
  return out.join("\n");
}
