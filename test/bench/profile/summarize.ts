/**
 * `node --import tsx test/bench/profile/summarize.ts DIR [TOP]`: the top
 * self-time and inclusive-time functions of each V8 CPU profile in DIR
 * (as sdk-profile.ts writes them, with pids.json naming each process's
 * service), as shares of the profile's sampled time, so profiles taken at
 * different moments on a busy machine compare by share rather than by
 * milliseconds.
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const dir = process.argv[2];
const top = Number(process.argv[3] ?? 15);
if (dir === undefined) throw new Error("usage: summarize.ts DIR [TOP]");
const pids: Record<string, number[]> = existsSync(join(dir, "pids.json")) ? JSON.parse(readFileSync(join(dir, "pids.json"), "utf8")) : {};
const serviceOf = (file: string) => {
  const pid = Number(file.split(".")[3]);
  return Object.entries(pids).find(([, list]) => list.includes(pid))?.[0] ?? `pid ${pid}`;
};

/** A short name for a frame: function and the file it is in, below node_modules or the repository. */
function frameName({ functionName, url, lineNumber }: ProfileNode["callFrame"]): string {
  const file = url.replace(/^file:\/\//, "").replace(/^.*node_modules\//, "").replace(/^.*\/(services|libs)\//, "$1/");
  return `${functionName || "(anonymous)"} ${file ? `${file}:${lineNumber + 1}` : ""}`.trim();
}

/** Self and inclusive sampled time per frame name, in microseconds, and the profile's total. */
function summarize(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfTime = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id)!;
    const name = frameName(node.callFrame);
    if (node.callFrame.functionName === "(idle)") {
      idle += delta;
      return;
    }
    total += delta;
    selfTime.set(name, (selfTime.get(name) ?? 0) + delta);
    // Each frame name counts once per sample, however often it recurs on the stack.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = frameName(byId.get(at)!.callFrame);
      if (seen.has(frame)) continue;
      seen.add(frame);
      inclusive.set(frame, (inclusive.get(frame) ?? 0) + delta);
    }
  });
  return { selfTime, inclusive, total, idle };
}

const rows = (map: Map<string, number>, total: number, skip: (name: string) => boolean = () => false) =>
  [...map]
    .filter(([name]) => !skip(name))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => `  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${name}`)
    .join("\n");

const boring = (name: string) => /^\((root|program|garbage collector)\)/.test(name) || /^(processTicksAndRejections|runMicrotasks|listOnTimeout|processTimers) /.test(name);
// Thread 0 only: the others are module-loader workers.
for (const file of readdirSync(dir).filter((name) => name.endsWith(".cpuprofile") && name.split(".")[4] === "0").sort()) {
  const { selfTime, inclusive, total, idle } = summarize(JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile);
  console.log(`## ${serviceOf(file)} (${file}): busy ${(total / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s`);
  console.log(`self:\n${rows(selfTime, total)}`);
  console.log(`inclusive:\n${rows(inclusive, total, boring)}\n`);
}
