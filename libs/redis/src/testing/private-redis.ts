import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { redisAnswersPing } from "./answers-ping.js";
import { freeLoopbackPort } from "./free-port.js";

/** Whether a redis-server binary is on the PATH. */
export const hasRedisServer = spawnSync("redis-server", ["--version"]).status === 0;

/** A redis-server of a test's own, which the test may stop without disturbing anyone else. */
export interface PrivateRedis {
  url: string;
  port: number;
  /** An admin connection, for SCAN, PTTL and the like. */
  admin(): Redis;
  /** Kills the server at once, as a crash or a network cut would. */
  kill(): Promise<void>;
  /** Starts the server again on the same port (empty: it keeps no data). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts redis-server on a free loopback port, without persistence. Tests
 * that stop Redis mid-test use this, never the shared server at 6379.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freeLoopbackPort();
  const url = `redis://127.0.0.1:${port}`;
  let child = await launch(port);
  const admins: Redis[] = [];
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  };
  return {
    url,
    port,
    admin() {
      const admin = new Redis(url, { maxRetriesPerRequest: 1 });
      admin.on("error", () => {});
      admins.push(admin);
      return admin;
    },
    kill,
    async restart() {
      await kill();
      child = await launch(port);
    },
    async stop() {
      for (const admin of admins) admin.disconnect();
      await kill();
    },
  };
}

async function launch(port: number): Promise<ChildProcess> {
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (await redisAnswersPing(`redis://127.0.0.1:${port}`)) return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`redis-server did not start on port ${port}`);
}

/** Every key in a Redis and its value (strings only: the identity cache writes nothing else). */
export async function dumpRedis(redis: Redis): Promise<Map<string, string | null>> {
  const dump = new Map<string, string | null>();
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "COUNT", 1000);
    cursor = next;
    for (const key of keys) dump.set(key, await redis.get(key));
  } while (cursor !== "0");
  return dump;
}
