import { Cluster, Redis } from "ioredis";
import { defineConfig, optionalSetting, type ConfigOf } from "@gatehouse/config";

/** A host and port of a Redis node or Sentinel. */
export interface RedisAddress {
  host: string;
  port: number;
}

/**
 * Where shared state lives: one Redis (REDIS_URL), a Redis Cluster
 * (REDIS_CLUSTER_NODES) or a master that Sentinels watch (REDIS_SENTINELS
 * and REDIS_SENTINEL_NAME).
 */
export type RedisTarget =
  | { kind: "standalone"; url: string }
  | { kind: "cluster"; nodes: RedisAddress[] }
  | { kind: "sentinel"; sentinels: RedisAddress[]; name: string };

/** A variable's value, unset when empty (as every Gatehouse variable reads). */
const envOptional = (name: string): string | undefined => (process.env[name] === "" ? undefined : process.env[name]);

/** The variables that name a Redis; at most one may be set. */
export const redisTargetVariables = ["REDIS_URL", "REDIS_CLUSTER_NODES", "REDIS_SENTINELS"] as const;

/**
 * The Redis the environment names, or undefined when none is set. Lists are
 * `host:port,host:port`; a cluster needs any of its nodes (the rest are
 * discovered), Sentinel the name of the master set as well.
 */
export function redisTargetFromEnv(env: NodeJS.ProcessEnv = process.env): RedisTarget | undefined {
  return redisTargetOf(defineConfig("identity", redisTargetSettings).read(env));
}

/** The variables that name the identity cache's Redis, declared once for every service's config table. */
export const redisTargetSettings = {
  redisUrl: optionalSetting("REDIS_URL", "the shared identity cache, and the per-caller rate limits shared by every replica", "in-process cache and limits"),
  redisClusterNodes: optionalSetting("REDIS_CLUSTER_NODES", "instead of `REDIS_URL`: `host:port,…` of Redis Cluster nodes (any of them; the rest are discovered)", "unset"),
  redisSentinels: optionalSetting("REDIS_SENTINELS", "instead of `REDIS_URL`: `host:port,…` of Sentinels", "unset"),
  redisSentinelName: optionalSetting("REDIS_SENTINEL_NAME", "with `REDIS_SENTINELS`: the name of the master set they watch", "unset"),
};

/** The values of {@link redisTargetSettings}. */
export type RedisTargetValues = ConfigOf<typeof redisTargetSettings>;

/** The Redis the values of {@link redisTargetSettings} name, checked as {@link redisTargetFromEnv} describes. */
export function redisTargetOf(values: RedisTargetValues): RedisTarget | undefined {
  const byName = { REDIS_URL: values.redisUrl, REDIS_CLUSTER_NODES: values.redisClusterNodes, REDIS_SENTINELS: values.redisSentinels };
  const set = redisTargetVariables.filter((name) => byName[name] !== undefined);
  if (set.length > 1) throw new Error(`set only one of ${redisTargetVariables.join(", ")}; ${set.join(" and ")} are set`);
  const url = values.redisUrl;
  if (url !== undefined) return { kind: "standalone", url };
  const nodes = values.redisClusterNodes;
  if (nodes !== undefined) return { kind: "cluster", nodes: parseAddresses("REDIS_CLUSTER_NODES", nodes) };
  const sentinels = values.redisSentinels;
  const name = values.redisSentinelName;
  if (sentinels !== undefined) {
    if (name === undefined) throw new Error("REDIS_SENTINEL_NAME must name the master set when REDIS_SENTINELS is set");
    return { kind: "sentinel", sentinels: parseAddresses("REDIS_SENTINELS", sentinels), name };
  }
  if (name !== undefined) throw new Error("REDIS_SENTINEL_NAME is set but REDIS_SENTINELS is not");
  return undefined;
}

/** Parses `host:port,host:port` (IPv6 hosts in brackets), naming the variable on a mistake. */
export function parseAddresses(variable: string, text: string): RedisAddress[] {
  const addresses = text
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(item);
      const port = Number(match?.[2]);
      if (!match || port < 1 || port > 65_535) throw new Error(`${variable}: "${item}" is not host:port`);
      return { host: match[1]!.replace(/^\[|\]$/g, ""), port };
    });
  if (addresses.length === 0) throw new Error(`${variable} lists no host:port`);
  return addresses;
}

/** How a client behaves when Redis is down or slow. */
export interface RedisClientOptions {
  /** How long one command may take. */
  commandTimeoutMs?: number;
  /** Connect on the first connect() call rather than at once. */
  lazyConnect?: boolean;
  /** Keep subscriptions across reconnections (the revocation subscriber does this itself). */
  autoResubscribe?: boolean;
  /** Behind Sentinels: connect to the master (default) or to a replica. */
  role?: "master" | "slave";
  /**
   * Hold commands issued while the client (re)connects and send them once it
   * is ready, rather than failing them at once (the default); for callers that
   * would rather wait out a failover than fall back.
   */
  offlineQueue?: boolean;
  /** The name the connections show in `CLIENT LIST`. */
  connectionName?: string;
}

/**
 * A client of the target that fails fast: no offline queue (unless asked), no retries of a
 * command, reconnection in the background. A cluster client follows MOVED and
 * failovers, re-reading the slot map; a Sentinel client asks the Sentinels for
 * the master whenever it reconnects.
 */
export function createRedisClient(target: RedisTarget, options: RedisClientOptions = {}): Redis | Cluster {
  const common = {
    maxRetriesPerRequest: 0,
    ...(options.commandTimeoutMs !== undefined && { commandTimeout: options.commandTimeoutMs }),
    ...(options.lazyConnect !== undefined && { lazyConnect: options.lazyConnect }),
    ...(options.autoResubscribe !== undefined && { autoResubscribe: options.autoResubscribe }),
    ...(options.connectionName !== undefined && { connectionName: options.connectionName }),
  };
  const enableOfflineQueue = options.offlineQueue ?? false;
  const retry = (attempt: number) => Math.min(attempt * 100, 2_000);
  if (target.kind === "cluster") {
    return new Cluster(target.nodes, {
      enableOfflineQueue,
      clusterRetryStrategy: retry,
      retryDelayOnFailover: 50,
      retryDelayOnClusterDown: 50,
      slotsRefreshTimeout: 1_000,
      ...(options.lazyConnect !== undefined && { lazyConnect: options.lazyConnect }),
      redisOptions: common,
    });
  }
  const failFast = { ...common, enableOfflineQueue, retryStrategy: retry };
  if (target.kind === "sentinel") {
    return new Redis({ sentinels: target.sentinels, name: target.name, role: options.role ?? "master", sentinelRetryStrategy: retry, ...failFast });
  }
  return new Redis(target.url, failFast);
}

/** A subscription kept alive across reconnections and failovers. */
export interface KeptSubscription {
  close(): void;
}

/**
 * Subscribes to a channel and keeps the subscription up: `onSubscribed` runs
 * each time it is (re)established, since messages published while it was
 * down are lost. In a cluster, PUBLISH reaches every node, so the subscriber
 * holds one plain connection to any node, and when that node goes away it
 * moves on to the next one the cluster client knows (or was configured with).
 * Behind Sentinels, turn 0 subscribes on the master and turn 1 on a replica
 * (replicas pass on what is published on their master), so two subscribers
 * together survive the loss of either node.
 */
export function keepSubscribed(
  target: RedisTarget,
  channel: string,
  handlers: {
    onMessage(message: string): void;
    onSubscribed(): void;
    /** The cluster's nodes as its client currently knows them, tried before the configured ones. */
    knownNodes?(): RedisAddress[];
    /** Which candidate node to try first, so several subscribers start on different nodes (behind Sentinels: 1 for a replica). */
    firstTurn?: number;
  },
): KeptSubscription {
  let closed = false;
  let current: Redis | undefined;
  let turn = handlers.firstTurn ?? 0;
  const listen = (connection: Redis) => {
    current = connection;
    connection.on("error", () => {});
    connection.on("message", (from: string, message: string) => {
      if (from === channel) handlers.onMessage(message);
    });
    connection.on("ready", () => {
      connection.subscribe(channel).then(handlers.onSubscribed, () => {
        // The next "ready" tries again.
      });
    });
    connection.connect().catch(() => {});
  };
  if (target.kind !== "cluster") {
    const role = target.kind === "sentinel" && handlers.firstTurn === 1 ? "slave" : "master";
    listen(createRedisClient(target, { lazyConnect: true, autoResubscribe: false, role }) as Redis);
    return { close: () => ((closed = true), current?.disconnect()) };
  }
  const next = () => {
    if (closed) return;
    const candidates = [...(handlers.knownNodes?.() ?? []), ...target.nodes];
    const node = candidates[turn++ % candidates.length]!;
    const connection = new Redis({ ...node, lazyConnect: true, autoResubscribe: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    connection.once("end", () => {
      if (!closed) setTimeout(next, 100).unref();
    });
    listen(connection);
  };
  next();
  return { close: () => ((closed = true), current?.disconnect()) };
}
