/**
 * A launcher killed outright (SIGKILL, a crash) cannot stop its services; each
 * service watches its standard input, which the launcher holds open, and stops
 * when it ends, so none outlives the launcher and keeps its port.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { fromRoot } from "../support/test-gatehouse.js";

/** Whether the process is alive: present, and not a zombie waiting to be reaped. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

describe.runIf(process.platform === "linux")("a launcher killed outright", () => {
  it("takes its services with it", async () => {
    const launcher = spawn(process.execPath, ["--import", "tsx", fromRoot("test/support/launch-and-hold.ts")], {
      cwd: fromRoot("."),
      stdio: ["ignore", "pipe", "inherit"],
    });
    const [firstLine] = await new Promise<string[]>((resolve, reject) => {
      launcher.once("exit", (code) => reject(new Error(`the launcher exited with ${code} before starting authz`)));
      createInterface({ input: launcher.stdout! }).once("line", (line) => resolve([line]));
    });
    const servicePid = Number(firstLine);
    expect(servicePid).toBeGreaterThan(0);
    expect(isRunning(servicePid)).toBe(true);

    const exited = new Promise((resolve) => launcher.once("exit", resolve));
    launcher.kill("SIGKILL");
    await exited;

    const gone = await waitUntil(() => !isRunning(servicePid), 20_000);
    if (!gone) process.kill(servicePid, "SIGKILL");
    expect(gone, "authz outlived the launcher").toBe(true);
  }, 60_000);
});
