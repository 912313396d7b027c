import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { cpuSecondsBetween, createRssSampler, namedCpuTicks, processTree, residentKib, treesResidentKib, waitForQuiet } from "./process-tree.js";

describe("process trees from /proc", () => {
  it("counts the CPU of named processes between two readings, never less than nothing when one of them exited", () => {
    const before = new Map([
      [10, 500],
      [11, 300],
    ]);
    // 11 exited, 12 started: 10 used 20 ticks, 12 its whole 5.
    const after = new Map([
      [10, 520],
      [12, 5],
    ]);
    expect(cpuSecondsBetween(before, after)).toBeCloseTo(0.25);
    expect(namedCpuTicks(["node"]).get(process.pid)).toBeGreaterThanOrEqual(0);
  });

  it("finds a child and its grandchild under their root, and adds up their resident memory", async () => {
    // A shell that starts a sleeping grandchild and waits for it.
    const child = spawn("sh", ["-c", "sleep 30 & wait"], { stdio: "ignore" });
    try {
      let tree: number[] = [];
      for (let tries = 0; tries < 50 && tree.length < 2; tries++) {
        await new Promise((done) => setTimeout(done, 20));
        tree = processTree(child.pid!);
      }
      expect(tree[0]).toBe(child.pid);
      expect(tree).toHaveLength(2);
      expect(processTree(process.pid)).toEqual(expect.arrayContaining(tree));
      const total = treesResidentKib([child.pid!]);
      expect(total).toBe(residentKib(tree[0]!) + residentKib(tree[1]!));
      expect(total).toBeGreaterThan(0);
      const sampler = createRssSampler(new Map([["child", [child.pid!]]]), 50);
      expect(sampler.peaks().get("child")).toBeGreaterThan(0);
      sampler.stop();
      expect(await waitForQuiet([child.pid!], { maxMs: 5_000, windowMs: 100 })).toMatchObject({ quiet: true });
    } finally {
      const grandchild = processTree(child.pid!)[1];
      child.kill("SIGKILL");
      if (grandchild !== undefined) process.kill(grandchild, "SIGKILL");
      await once(child, "exit").catch(() => undefined);
    }
    expect(processTree(child.pid!)).toEqual([]);
  });

  it("says a busy process is not quiet before the time runs out", async () => {
    const child = spawn(process.execPath, ["-e", "const end = Date.now() + 5000; while (Date.now() < end);"], { stdio: "ignore" });
    try {
      await new Promise((done) => setTimeout(done, 200));
      expect(await waitForQuiet([child.pid!], { maxMs: 600, windowMs: 200 })).toMatchObject({ quiet: false });
    } finally {
      child.kill("SIGKILL");
    }
  });
});
