import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { redisAnswersPing } from "@gatehouse/redis/testing";

/** Whether redis-server and redis-cli are on the PATH. */
export const hasRedisTools = spawnSync("redis-server", ["--version"]).status === 0 && spawnSync("redis-cli", ["--version"]).status === 0;

/** One redis-server (or Sentinel) process of a topology. */
export interface RedisNode {
  port: number;
  address: string;
  child: ChildProcess;
  /** Kills the process with SIGKILL, as a crash would, and waits until it is gone. */
  kill(): Promise<void>;
  /** A connection to this node alone (one per node), closed with the topology. */
  admin(): Redis;
}

/** A Redis Cluster of the test's own on loopback: masters and a replica of each. */
export interface PrivateRedisCluster {
  nodes: RedisNode[];
  /** `host:port,…` of every node, for REDIS_CLUSTER_NODES. */
  nodeList: string;
  /** The nodes that are masters now, by what the cluster itself says. */
  masters(): Promise<RedisNode[]>;
  /** Waits until every live node reports the cluster healthy (all slots served) and every live replica is in sync. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A master with a replica, watched by Sentinels, of the test's own on loopback. */
export interface PrivateRedisSentinel {
  masterName: string;
  master: RedisNode;
  replica: RedisNode;
  sentinels: RedisNode[];
  /** `host:port,…` of the Sentinels, for REDIS_SENTINELS. */
  sentinelList: string;
  /** The port of the master as the Sentinels name it now. */
  currentMasterPort(): Promise<number>;
  stop(): Promise<void>;
}

async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A free loopback port whose cluster bus port (port + 10000) is free too. */
async function freeNodePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await portFree(port)) && (await portFree(port + 10_000))) return port;
  }
}

function startNode(port: number, args: string[], admins: Redis[]): RedisNode {
  // A replica's first sync starts at once rather than after the default 5 s wait for more replicas.
  const sync = args.includes("--sentinel") ? [] : ["--repl-diskless-sync-delay", "0"];
  const child = spawn("redis-server", [...args, ...sync], { stdio: "ignore" });
  const address = `127.0.0.1:${port}`;
  let admin: Redis | undefined;
  return {
    port,
    address,
    child,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
    admin() {
      if (admin === undefined) {
        admin = new Redis({ port, host: "127.0.0.1", maxRetriesPerRequest: 1, retryStrategy: () => 100 });
        admin.on("error", () => {});
        admins.push(admin);
      }
      return admin;
    },
  };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} within ${timeoutMs} ms`);
}

const ping = (port: number) => redisAnswersPing(`redis://127.0.0.1:${port}`);

async function stopAll(nodes: RedisNode[], admins: Redis[], dir: string): Promise<void> {
  for (const admin of admins) admin.disconnect();
  await Promise.all(nodes.map((node) => node.kill()));
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Starts `masters` × 2 redis-server processes with cluster mode on, in a
 * temporary directory, and joins them with `redis-cli --cluster create
 * --cluster-replicas 1`, so every master has a replica that takes over when
 * it dies (after cluster-node-timeout, 1 s here).
 */
export async function startPrivateRedisCluster(masters = 3): Promise<PrivateRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-redis-cluster-"));
  const admins: Redis[] = [];
  const nodes: RedisNode[] = [];
  try {
    for (let n = 0; n < masters * 2; n += 1) {
      const port = await freeNodePort();
      nodes.push(
        startNode(
          port,
          [
            "--port", String(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
            "--cluster-config-file", join(dir, `nodes-${port}.conf`), "--cluster-node-timeout", "1000",
            "--save", "", "--appendonly", "no", "--dir", dir,
          ],
          admins,
        ),
      );
    }
    for (const node of nodes) await waitFor(`redis-server on ${node.port} did not start`, () => ping(node.port));
    const created = spawnSync("redis-cli", ["--cluster", "create", ...nodes.map((node) => node.address), "--cluster-replicas", "1", "--cluster-yes"], {
      encoding: "utf8",
    });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}\n${created.stderr}`);
  } catch (error) {
    await stopAll(nodes, admins, dir);
    throw error;
  }
  const alive = () => nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null);
  const cluster: PrivateRedisCluster = {
    nodes,
    nodeList: nodes.map((node) => node.address).join(","),
    async masters() {
      const answers = await Promise.all(alive().map(async (node) => [node, await node.admin().call("ROLE")] as const));
      return answers.filter(([, role]) => (role as string[])[0] === "master").map(([node]) => node);
    },
    waitHealthy: (timeoutMs = 20_000) =>
      waitFor(
        "the cluster did not become healthy",
        async () => {
          const states = await Promise.all(alive().map(async (node) => String(await node.admin().call("CLUSTER", "INFO"))));
          const replication = await Promise.all(alive().map(async (node) => String(await node.admin().call("INFO", "replication"))));
          return (
            states.every((info) => info.includes("cluster_state:ok")) &&
            replication.every((info) => info.includes("role:master") || info.includes("master_link_status:up"))
          );
        },
        timeoutMs,
      ),
    stop: () => stopAll(nodes, admins, dir),
  };
  await cluster.waitHealthy();
  return cluster;
}

/**
 * Starts a master, a replica of it, and three Sentinels that watch it
 * (quorum 2, down after 1 s), all on loopback in a temporary directory.
 */
export async function startPrivateRedisSentinel(): Promise<PrivateRedisSentinel> {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-redis-sentinel-"));
  const admins: Redis[] = [];
  const all: RedisNode[] = [];
  const masterName = "gatehouse";
  const server = (port: number, extra: string[] = []) =>
    startNode(port, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, ...extra], admins);
  try {
    const masterPort = await freeNodePort();
    const master = server(masterPort);
    all.push(master);
    await waitFor("the master did not start", () => ping(masterPort));
    const replica = server(await freeNodePort(), ["--replicaof", "127.0.0.1", String(masterPort)]);
    all.push(replica);
    await waitFor("the replica did not start", () => ping(replica.port));
    await waitFor("the replica did not sync", async () => String(await replica.admin().call("INFO", "replication")).includes("master_link_status:up"));
    const sentinels: RedisNode[] = [];
    for (let n = 0; n < 3; n += 1) {
      const port = await freeNodePort();
      const config = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        config,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 5000`,
          "",
        ].join("\n"),
      );
      const sentinel = startNode(port, [config, "--sentinel"], admins);
      all.push(sentinel);
      sentinels.push(sentinel);
    }
    for (const sentinel of sentinels) {
      await waitFor("a Sentinel did not see the replica and the other Sentinels", async () => {
        const info = (await sentinel.admin().call("SENTINEL", "MASTER", masterName)) as string[];
        const field = (name: string) => Number(info[info.indexOf(name) + 1]);
        return field("num-slaves") >= 1 && field("num-other-sentinels") >= 2;
      });
    }
    return {
      masterName,
      master,
      replica,
      sentinels,
      sentinelList: sentinels.map((sentinel) => sentinel.address).join(","),
      async currentMasterPort() {
        for (const sentinel of sentinels) {
          const answer = (await sentinel.admin().call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName).catch(() => null)) as string[] | null;
          if (answer) return Number(answer[1]);
        }
        throw new Error("no Sentinel answered");
      },
      stop: () => stopAll(all, admins, dir),
    };
  } catch (error) {
    await stopAll(all, admins, dir);
    throw error;
  }
}
