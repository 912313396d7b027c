import { Redis } from "ioredis";

/**
 * Whether a Redis answers PING at `url` right now: one connection attempt,
 * no retries, never throwing. Tests poll it while a redis-server they
 * started comes up.
 */
export async function redisAnswersPing(url: string, connectTimeoutMs = 10_000): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: connectTimeoutMs });
  probe.on("error", () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
