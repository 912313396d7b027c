import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { resolve } from "node:path";

/** The repository root, where services/ lives. */
export const repoRoot = resolve(import.meta.dirname, "../../..");

/** A service running as its own process. */
export interface ServiceProcess {
  name: string;
  /** host:port it listens on. */
  address: string;
  /** host:port of its /metrics endpoint, when METRICS_PORT was set. */
  metricsAddress: string | undefined;
  child: ChildProcess;
  /** Sends SIGTERM and waits for the exit; SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

/** How to start one service process. */
export interface ServiceProcessOptions {
  /** The folder under services/: "authn", "authz", "store", "gateway" or "worker". */
  name: string;
  env: Record<string, string | undefined>;
  /** Where the service's log lines go; dropped when omitted. */
  onLog?: (line: string) => void;
  startTimeoutMs?: number;
  /**
   * A command the service runs under, such as `["ip", "netns", "exec", "host-1"]`
   * to run it in another network namespace. It must exec the service in its
   * place, so signals reach the service itself. Unset: Node runs directly.
   */
  wrapper?: readonly string[];
}

/**
 * Starts services/<name>/src/main.ts in a new Node process, exactly as an
 * operator runs it, and resolves once it logs its listening address. A
 * service that exits first rejects with what it printed (such as a broken
 * auth module).
 */
export function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const command = [...(options.wrapper ?? []), process.execPath, ...nodeFlags(options.env), "--import", "tsx", resolve(repoRoot, `services/${options.name}/src/main.ts`)];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: repoRoot,
    // The service stops when its standard input ends (runService), which happens when this
    // process goes, however it goes: a launcher killed outright leaves no service behind.
    env: { ...process.env, ...options.env, GATEHOUSE_STOP_WITH_LAUNCHER: "true" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on("line", (line) => {
    stderr.push(line);
    options.onLog?.(line);
  });
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${options.name} did not start within ${options.startTimeoutMs ?? 30_000} ms:\n${stderr.join("\n")}`));
    }, options.startTimeoutMs ?? 30_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with code ${code} before listening:\n${stderr.join("\n")}`));
    });
    let metricsAddress: string | undefined;
    createInterface({ input: child.stdout! }).on("line", (line) => {
      options.onLog?.(line);
      metricsAddress ??= announced(line, `gatehouse ${options.name} metrics on `);
      const address = announced(line, `gatehouse ${options.name} listening on `);
      if (address === undefined) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      resolvePromise({ name: options.name, address, metricsAddress, child, stop: (graceMs) => stopProcess(child, graceMs ?? 15_000) });
    });
  });
}

/**
 * Extra Node flags from GATEHOUSE_NODE_OPTIONS (space-separated), for flags
 * NODE_OPTIONS refuses, such as `--cpu-prof --cpu-prof-dir=profiles` to
 * profile each service (README, "Benchmark").
 */
function nodeFlags(env: Record<string, string | undefined>): string[] {
  const flags = env.GATEHOUSE_NODE_OPTIONS ?? process.env.GATEHOUSE_NODE_OPTIONS ?? "";
  return flags.split(" ").filter((flag) => flag !== "");
}

/** The address a service announced on a line starting with `prefix`, if it is such a line. */
function announced(line: string, prefix: string): string | undefined {
  return line.startsWith(prefix) ? line.slice(prefix.length) : undefined;
}

function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolvePromise();
    });
    child.kill("SIGTERM");
  });
}
