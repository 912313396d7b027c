import { spawnSync, type ChildProcess } from "node:child_process";
import { appendFileSync, chownSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { redisAnswersPing } from "@gatehouse/redis/testing";
import { startServiceProcess, type ServiceProcess } from "@gatehouse/launcher";
import type { SimulatedHost } from "./simulated-network.js";

/** A server (Postgres or Redis) running inside a simulated host. */
export interface HostedServer {
  url: string;
  stop(): Promise<void>;
}

/** The newest Postgres server binaries installed from the distribution's packages, if any. */
export function postgresBinaries(): string | undefined {
  const versions = (() => {
    try {
      return readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
    } catch {
      return [];
    }
  })();
  return versions.map((version) => `/usr/lib/postgresql/${version}/bin`).find((bin) => spawnSync(`${bin}/postgres`, ["--version"]).status === 0);
}

/** The uid and gid Postgres runs as: it refuses to run as root. */
function postgresUser(): { uid: number; gid: number } {
  const uid = Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim());
  const gid = Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim());
  if (!Number.isInteger(uid) || uid <= 0) throw new Error("a `postgres` system user is needed to run Postgres (it refuses root)");
  return { uid, gid };
}

/**
 * Runs a Postgres of its own inside a host: initdb into a fresh directory,
 * then the server listening on the host's address only, as the `postgres`
 * user, without fsync (the data is thrown away). Every connection the store
 * makes to it crosses the simulated network.
 */
export async function startHostedPostgres(host: SimulatedHost): Promise<HostedServer> {
  const bin = postgresBinaries();
  if (bin === undefined) throw new Error("no Postgres server binaries under /usr/lib/postgresql");
  const { uid, gid } = postgresUser();
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-netns-pg-"));
  chownSync(dir, uid, gid);
  const asPostgres = ["setpriv", `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups"];
  const data = join(dir, "data");
  const init = spawnSync(asPostgres[0]!, [...asPostgres.slice(1), `${bin}/initdb`, "-D", data, "-U", "postgres", "-A", "trust", "--no-sync"], {
    encoding: "utf8",
  });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr}`);
  }
  // initdb trusts local sockets only; the store connects over the simulated network.
  appendFileSync(join(data, "pg_hba.conf"), "host all all 10.213.0.0/16 trust\n");
  const child = host.spawn(
    asPostgres[0]!,
    [
      ...asPostgres.slice(1),
      `${bin}/postgres`,
      "-D",
      data,
      "-c",
      `listen_addresses=${host.ip}`,
      "-c",
      "port=5432",
      "-c",
      `unix_socket_directories=${dir}`,
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const url = `postgres://postgres@${host.ip}:5432/postgres`;
  const started = waitUntil(`Postgres on ${host.name}`, child, async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.query("SELECT 1");
      return true;
    } finally {
      await client.end().catch(() => {});
    }
  });
  await started.catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    url,
    async stop() {
      await stopChild(child, "SIGINT");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a redis-server of its own inside a host, on its address, port 6379, without persistence. */
export async function startHostedRedis(host: SimulatedHost): Promise<HostedServer> {
  const child = host.spawn(
    "redis-server",
    ["--bind", host.ip, "--port", "6379", "--save", "", "--appendonly", "no", "--protected-mode", "no"],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  const url = `redis://${host.ip}:6379`;
  await waitUntil(`Redis on ${host.name}`, child, () => redisAnswersPing(url, 1_000));
  return { url, stop: () => stopChild(child, "SIGTERM") };
}

/**
 * Starts a Gatehouse service inside a host with `ip netns exec`, exactly as
 * the launcher starts one on loopback, listening on the host's address.
 */
export function startHostedService(
  host: SimulatedHost,
  name: "authn" | "authz" | "store" | "gateway",
  env: Record<string, string | undefined>,
  onLog?: (line: string) => void,
): Promise<ServiceProcess> {
  const listen = {
    authn: { AUTHN_HOST: host.ip, AUTHN_PORT: "50052" },
    authz: { AUTHZ_HOST: host.ip, AUTHZ_PORT: "50053" },
    store: { STORE_HOST: host.ip, STORE_PORT: "50051" },
    gateway: { GATEWAY_HOST: host.ip, GATEWAY_PORT: "8123" },
  }[name];
  return startServiceProcess({ name, env: { ...env, ...listen }, wrapper: host.exec, onLog, startTimeoutMs: 60_000 });
}

async function waitUntil(what: string, child: ChildProcess, ready: () => Promise<boolean>): Promise<void> {
  // The server's last lines say why it did not start, if it does not.
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk: Buffer) => output.push(...String(chunk).split("\n").slice(-20)));
  const detail = () => output.slice(-20).join("\n");
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}:\n${detail()}`);
    if (await ready().catch(() => false)) return;
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`${what} did not start:\n${detail()}`);
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolvePromise();
    });
    child.kill(signal);
  });
}
