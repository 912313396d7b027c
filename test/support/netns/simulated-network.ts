import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from "node:child_process";
import { createInterface } from "node:readline";
import { resolve } from "node:path";

/**
 * Every name this harness gives a namespace starts with this, followed by the
 * pid of the test process that made it, so leftovers of a crashed run can be
 * told apart from another run in progress.
 */
export const namespacePrefix = "ghnet-";

/** Whether this machine can run the multi-host tests, and if not, why. */
export interface NetnsSupport {
  available: boolean;
  /** Why not, in words a test's skip message can carry. */
  reason: string;
}

/** How a link misbehaves, as netem would make it: applies to frames in the given direction. */
export interface Impairment {
  /** "egress": frames the host sends (netem on its interface); "ingress": frames it receives; "both". Default egress. */
  direction?: "egress" | "ingress" | "both";
  delayMs?: number;
  /** Each frame's delay varies uniformly by up to this much either way (frames keep their order). */
  jitterMs?: number;
  /** The share of frames dropped, 0 to 1. */
  loss?: number;
}

/** A host of the simulated network: a network namespace with one interface on the shared switch. */
export interface SimulatedHost {
  name: string;
  /** The namespace's name, for `ip netns exec`. */
  netns: string;
  /** Its IPv4 address on the simulated network. */
  ip: string;
  /** Runs a command inside the namespace; the process is killed when the host or the network goes. */
  spawn(command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  /** The command prefix that runs something inside the namespace. */
  readonly exec: readonly string[];
}

/** A private network of namespaces on one machine, joined by one switch whose links can be impaired. */
export interface SimulatedNetwork {
  /** The address the test process itself has on the network. */
  readonly clientIp: string;
  addHost(name: string): Promise<SimulatedHost>;
  /** Changes how one host's link behaves; `{}` makes it clean again. */
  impair(host: SimulatedHost, impairment: Impairment): Promise<void>;
  /**
   * Cuts two hosts apart, leaving their other links up: "drop" loses every
   * frame between them in silence (netem loss 100%); "reject" answers every
   * packet with ICMP host unreachable, as a peer whose link is down or a
   * router without a route would, so connections fail at once; false heals.
   */
  partition(a: SimulatedHost, b: SimulatedHost, cut: "drop" | "reject" | false): Promise<void>;
  /**
   * Tears a host down as a power loss would: its cable is pulled first, so
   * no peer hears a reset from it, then everything in it gets SIGKILL and
   * its namespace is deleted.
   */
  destroyHost(host: SimulatedHost): Promise<void>;
  /** Removes every host, the switch and the test process's own interface. */
  destroy(): Promise<void>;
}

const run = (command: string, args: readonly string[]) => spawnSync(command, args, { encoding: "utf8" });

function ip(...args: string[]): string {
  const result = run("ip", args);
  if (result.status !== 0) throw new Error(`ip ${args.join(" ")} failed: ${result.stderr || result.error}`);
  return result.stdout;
}

/**
 * Checks, once, everything the harness needs: root, `ip`, python3, a TUN
 * device, and that a namespace can really be made (a container may forbid it).
 */
export function netnsSupport(): NetnsSupport {
  if (process.platform !== "linux") return { available: false, reason: "network namespaces need Linux" };
  if (process.getuid?.() !== 0) return { available: false, reason: "network namespaces need root (run the tests as root)" };
  if (run("ip", ["-V"]).status !== 0) return { available: false, reason: "the `ip` command (iproute2) is not installed" };
  if (run("python3", ["--version"]).status !== 0) return { available: false, reason: "python3, which runs the link simulator, is not installed" };
  if (run("test", ["-c", "/dev/net/tun"]).status !== 0) return { available: false, reason: "/dev/net/tun is missing" };
  const probe = `${namespacePrefix}${process.pid}-probe`;
  const added = run("ip", ["netns", "add", probe]);
  if (added.status !== 0) return { available: false, reason: `\`ip netns add\` failed: ${added.stderr.trim()}` };
  run("ip", ["netns", "del", probe]);
  return { available: true, reason: "" };
}

/** Deletes the namespaces of runs whose test process is gone, killing whatever still runs in them. */
export function removeLeftovers(): void {
  const names = run("ip", ["netns", "list"]).stdout.split("\n").map((line) => line.split(" ")[0]!);
  for (const name of names) {
    const match = new RegExp(`^${namespacePrefix}(\\d+)-`).exec(name);
    if (!match || processAlive(Number(match[1]))) continue;
    killAllIn(name);
    run("ip", ["netns", "del", name]);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killAllIn(netns: string): void {
  for (const pid of run("ip", ["netns", "pids", netns]).stdout.split("\n").filter(Boolean)) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** 10.213.N (N from this process's pid, or the next one) that no route of this machine uses yet. */
function freeSubnet(): string {
  const routes = run("ip", ["-4", "route", "show"]).stdout;
  for (let offset = 0; offset < 250; offset += 1) {
    const subnet = `10.213.${1 + ((process.pid + offset) % 250)}`;
    if (!routes.includes(`${subnet}.`)) return subnet;
  }
  throw new Error("every 10.213.N.0/24 subnet is in use");
}

/**
 * Builds a private IPv4 network, 10.213.N.0/24 with N from this process's
 * pid: a user-space switch (link-switch.py) with one TAP port per host
 * namespace and one for the test process, named `ghnet<pid>`, the only
 * interface the harness adds outside its namespaces (it goes with the
 * switch). Frames cross real kernel stacks; impairments act per link, as
 * netem on each host's interface would. The switch stands in for a bridge
 * with netem because the netem queueing discipline is a kernel module many
 * CI kernels lack, while TUN is nearly always there.
 */
export async function createSimulatedNetwork(): Promise<SimulatedNetwork> {
  removeLeftovers();
  const subnet = freeSubnet();
  const switchProcess = spawn("python3", [resolve(import.meta.dirname, "link-switch.py")], { stdio: ["pipe", "pipe", "inherit"] });
  const answers: Array<(line: string) => void> = [];
  createInterface({ input: switchProcess.stdout! }).on("line", (line) => answers.shift()?.(line));
  let queue = Promise.resolve();
  const command = (message: Record<string, unknown>) => {
    const answered = queue.then(
      () =>
        new Promise<void>((resolvePromise, reject) => {
          answers.push((line) => {
            const answer = JSON.parse(line) as { ok: boolean; error?: string };
            if (answer.ok) resolvePromise();
            else reject(new Error(`link switch: ${JSON.stringify(message)}: ${answer.error}`));
          });
          switchProcess.stdin!.write(`${JSON.stringify(message)}\n`);
        }),
    );
    queue = answered.catch(() => {});
    return answered;
  };

  const clientInterface = `ghnet${process.pid}`;
  const clientIp = `${subnet}.1`;
  const hosts = new Map<string, SimulatedHost>();
  const children = new Set<ChildProcess>();
  let hostsAdded = 0;
  await command({ op: "add", port: "client", ifname: clientInterface });
  ip("addr", "add", `${clientIp}/24`, "dev", clientInterface);
  ip("link", "set", clientInterface, "up");

  const network: SimulatedNetwork = {
    clientIp,
    async addHost(name) {
      const netns = `${namespacePrefix}${process.pid}-${name}`;
      hostsAdded += 1;
      const address = `${subnet}.${10 + hostsAdded}`;
      ip("netns", "add", netns);
      await command({ op: "add", port: name, netns, ifname: "eth0" });
      ip("-n", netns, "addr", "add", `${address}/24`, "dev", "eth0");
      ip("-n", netns, "link", "set", "eth0", "up");
      ip("-n", netns, "link", "set", "lo", "up");
      const exec = ["ip", "netns", "exec", netns] as const;
      const host: SimulatedHost = {
        name,
        netns,
        ip: address,
        exec,
        spawn(commandName, args, options) {
          const child = spawn(exec[0], [...exec.slice(1), commandName, ...args], options ?? {});
          children.add(child);
          child.once("exit", () => children.delete(child));
          return child;
        },
      };
      hosts.set(name, host);
      return host;
    },
    impair: (host, impairment) =>
      command({
        op: "impair",
        port: host.name,
        direction: impairment.direction ?? "egress",
        delayMs: impairment.delayMs ?? 0,
        jitterMs: impairment.jitterMs ?? 0,
        loss: impairment.loss ?? 0,
      }),
    partition: (a, b, cut) => command({ op: "cut", port: a.name, peer: b.name, cut }),
    async destroyHost(host) {
      if (!hosts.delete(host.name)) return;
      await command({ op: "remove", port: host.name });
      killAllIn(host.netns);
      run("ip", ["netns", "del", host.netns]);
    },
    async destroy() {
      for (const host of [...hosts.values()]) await network.destroyHost(host).catch(() => {});
      for (const child of children) child.kill("SIGKILL");
      const exited = new Promise((resolvePromise) => switchProcess.once("exit", resolvePromise));
      switchProcess.stdin!.end();
      await Promise.race([exited, new Promise((resolvePromise) => setTimeout(resolvePromise, 2_000))]);
      switchProcess.kill("SIGKILL");
    },
  };
  return network;
}
