import { readdirSync, readFileSync } from "node:fs";

/** Linux's clock tick for the CPU times in /proc/<pid>/stat (USER_HZ, 100 on every common kernel). */
const ticksPerSecond = 100;

/** What /proc/<pid>/stat says of one process: its parent and its CPU time so far. */
interface ProcStat {
  ppid: number;
  cpuTicks: number;
}

/** Reads /proc/<pid>/stat; undefined once the process is gone. */
function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: fields are counted after its closing one.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
}

/** Every live process id in the tree rooted at `root` (the root first), from the parent links in /proc. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat === undefined) continue;
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(pid);
    else children.set(stat.ppid, [pid]);
  }
  if (readStat(root) === undefined) return [];
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** A process's resident memory in KiB (VmRSS in /proc/<pid>/status); 0 once it is gone. */
export function residentKib(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The resident memory of several process trees, added up, in KiB. */
export function treesResidentKib(roots: readonly number[]): number {
  return roots.flatMap(processTree).reduce((sum, pid) => sum + residentKib(pid), 0);
}

/** CPU seconds the processes of several trees have used so far (those alive now). */
export function treesCpuSeconds(roots: readonly number[]): number {
  return roots.flatMap(processTree).reduce((sum, pid) => sum + (readStat(pid)?.cpuTicks ?? 0), 0) / ticksPerSecond;
}

/** The CPU ticks so far of every process on this machine whose command name is one of `names` (such as the database servers), by process id. */
export function namedCpuTicks(names: readonly string[]): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    let name: string;
    try {
      name = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      continue;
    }
    const stat = names.includes(name) ? readStat(pid) : undefined;
    if (stat !== undefined) ticks.set(pid, stat.cpuTicks);
  }
  return ticks;
}

/**
 * The CPU seconds those processes used between two readings of
 * namedCpuTicks. A process that exited in between (a Postgres backend whose
 * connection closed) takes its ticks with it: its share since the first
 * reading is lost rather than subtracted; one that started counts whole.
 */
export function cpuSecondsBetween(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let ticks = 0;
  for (const [pid, now] of after) ticks += Math.max(0, now - (before.get(pid) ?? 0));
  return ticks / ticksPerSecond;
}

/** How long to wait for a server to go quiet, and what counts as quiet. */
export interface QuietOptions {
  /** Below this share of one core over a window, the trees are quiet. Default 0.05. */
  cpuShare?: number;
  windowMs?: number;
  /** Give up after this long; the answer then says so. */
  maxMs: number;
}

/**
 * Waits until the given process trees use less than a small share of one
 * core over a window, so background work left by one measurement (a
 * server flushing to disk, runs still executing) does not run during the
 * next one. Resolves with how long it waited and whether the trees went
 * quiet before `maxMs`.
 */
export async function waitForQuiet(roots: readonly number[], options: QuietOptions): Promise<{ waitedMs: number; quiet: boolean }> {
  const windowMs = options.windowMs ?? 500;
  const cpuShare = options.cpuShare ?? 0.05;
  const started = performance.now();
  let before = treesCpuSeconds(roots);
  while (performance.now() - started < options.maxMs) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const after = treesCpuSeconds(roots);
    // A process that exited in the window makes the difference negative: not quiet yet, look again.
    const used = after - before;
    before = after;
    if (used >= 0 && used < (cpuShare * windowMs) / 1000) return { waitedMs: performance.now() - started, quiet: true };
  }
  return { waitedMs: performance.now() - started, quiet: false };
}

/** Records the peak resident memory of named process trees while it runs. */
export interface RssSampler {
  /** The highest total seen so far for each name, in KiB. */
  peaks(): Map<string, number>;
  stop(): void;
}

/**
 * Samples the resident memory of each named set of process trees every
 * `intervalMs` and keeps the highest total per name. Reading /proc is cheap
 * next to the load, but it runs on the same cores, so the interval is not
 * tight.
 */
export function createRssSampler(trees: ReadonlyMap<string, readonly number[]>, intervalMs = 500): RssSampler {
  const peaks = new Map<string, number>();
  const sample = () => {
    for (const [name, roots] of trees) peaks.set(name, Math.max(peaks.get(name) ?? 0, treesResidentKib(roots)));
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    peaks: () => (sample(), new Map(peaks)),
    stop: () => clearInterval(timer),
  };
}
