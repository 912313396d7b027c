import type { Cluster, Redis } from "ioredis";
import { createRedisClient, type RedisTarget } from "@gatehouse/redis";
import { InvalidRunEventIdError, RunStreamFinishedError } from "./run-event-errors.js";
import type { NewRunEvent, ReadRunEventsOptions, RunEvent, RunEventLog } from "./run-event-log.js";
import { resolveBounds, type RunEventLogBounds } from "./run-event-log-options.js";
import { createRedisPublishWaiter } from "./redis-publish-waiter.js";
import { createRedisStreamWaiter, type RunStreamWaker, type StreamFollower } from "./redis-stream-waiter.js";
import { waitForWake } from "./wait-for-wake.js";

/** Options of the Redis Streams run event log; see {@link RunEventLogBounds} for the bounds. */
export interface RedisRunEventLogOptions extends RunEventLogBounds {
  /** A single Redis, e.g. `redis://127.0.0.1:6379` (`rediss://` for TLS); `target` names a cluster or Sentinels instead. Needs Redis 6.2 or later. */
  url?: string;
  /** One Redis, a Redis Cluster (7.0 or later) or a master behind Sentinels. */
  target?: RedisTarget;
  /** The first part of every key; default `gatehouse`. */
  keyPrefix?: string;
  /** How long one blocking `XREAD` waits before it is issued again; default 10 000 ms. */
  blockMs?: number;
  /** How many entries a reader fetches per `XRANGE`; default 500. */
  readBatch?: number;
  /** On a cluster: how long a waiting reader goes without a wake-up before it reads again anyway; default 2 000 ms. */
  pollMs?: number;
  /**
   * Replicas of the run's node that must have an append (or finish) before
   * it is acknowledged (`WAIT`), so a failover cannot promote a replica that
   * lacks an event a reader may already rely on; a node with fewer replicas
   * connected waits for those it has. Default 1 on a cluster or behind
   * Sentinels, 0 on one Redis.
   */
  appendReplicas?: number;
  /** How long an append waits for those replicas before it fails; default 1 000 ms. */
  replicaWaitMs?: number;
}

/**
 * Where a run's events live. The run id in braces is a Redis Cluster hash
 * tag, so everything about one run stays in one slot.
 */
export const runEventsKey = (runId: string, prefix = "gatehouse") => `${prefix}:run:{${runId}}:events`;

/** An entry's fields: `event <name> data <json>`, or `finished 1` for the marker readers never see. */
const finishedField = "finished";

/** The end of both scripts: publishes the key when ARGV[3] names a channel, and answers `{id, replicas}`. */
const publishAndCountReplicas = `
if ARGV[3] ~= '' then redis.call('PUBLISH', ARGV[3], KEYS[1]) end
local replicas = 0
if ARGV[4] == '1' then
  replicas = tonumber(string.match(redis.call('INFO', 'replication'), 'connected_slaves:(%d+)')) or 0
end
return {id, replicas}`;

/**
 * Appends events unless the stream ends in the finish marker, trimming to
 * about ARGV[1] entries, restarting the abandoned-run clock and, on a
 * cluster, publishing the key on ARGV[3] to wake readers: one atomic step.
 * Answers the last id added ('' for no events, 0 when the run is finished) and, when ARGV[4]
 * is 1, how many replicas the node has.
 */
const appendScript = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if last[1] ~= nil and last[1][2][1] == '${finishedField}' then return {0, 0} end
local id = ''
for i = 5, #ARGV, 2 do
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'event', ARGV[i], 'data', ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
${publishAndCountReplicas}`;

/** Adds the finish marker once and gives the stream its finished-run expiry; answers like the append script. */
const finishScript = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if last[1] ~= nil and last[1][2][1] == '${finishedField}' then return {0, 0} end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', '${finishedField}', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
${publishAndCountReplicas}`;

type ScriptReply = [id: string | 0, replicas: number];

type ScriptedRedis = (Redis | Cluster) & {
  appendRunEvents(key: string, maxLen: number, ttlMs: number, channel: string, countReplicas: string, ...fields: string[]): Promise<ScriptReply>;
  finishRunEvents(key: string, maxLen: number, ttlMs: number, channel: string, countReplicas: string): Promise<ScriptReply>;
};

type StreamEntry = [id: string, fields: string[]];

const maxStreamIdPart = 2n ** 64n - 1n;

/** Whether Redis would take this as a stream id: `ms` or `ms-seq`, each part an unsigned 64-bit integer. */
function isStreamId(id: string): boolean {
  if (!/^[0-9]{1,20}(-[0-9]{1,20})?$/.test(id)) return false;
  return id.split("-").every((part) => BigInt(part) <= maxStreamIdPart);
}

/**
 * A run event log on Redis Streams, shared by every replica that uses the
 * same Redis: one Redis, a master behind Sentinels, or a Redis Cluster. One
 * stream per run (see {@link runEventsKey}); each `XADD` trims with
 * `MAXLEN ~ maxEventsPerRun` (approximate: Redis drops whole blocks of
 * entries, so a run may briefly keep up to about a hundred more); stream ids
 * (`1718000000000-0`) are the event ids. Every append sets the stream to
 * expire `abandonedTtlMs` later, and `finish` adds a marker entry (never
 * delivered) and shortens that to `finishedTtlMs`, so a stream goes away even
 * if its worker died. Each script touches only the run's own key, so it runs
 * on whichever cluster node holds the run. Readers catch up with `XRANGE` and
 * then wait: on one Redis or behind Sentinels on one shared blocking `XREAD`
 * (see {@link createRedisStreamWaiter}), on a cluster, where one `XREAD`
 * cannot span slots, on one subscription to the wake-ups every append
 * publishes (see {@link createRedisPublishWaiter}). Either way two
 * connections per log (plus the cluster client's one per node), however
 * many clients stream. Behind Sentinels and on a cluster an append is
 * acknowledged once a replica has it (see `appendReplicas`).
 */
export function createRedisRunEventLog(options: RedisRunEventLogOptions): RunEventLog {
  if (options.target === undefined && options.url === undefined) throw new Error("the Redis run event log needs a url or a target");
  const target: RedisTarget = options.target ?? { kind: "standalone", url: options.url! };
  const bounds = resolveBounds(options);
  const prefix = options.keyPrefix ?? "gatehouse";
  const blockMs = options.blockMs ?? 10_000;
  const readBatch = options.readBatch ?? 500;
  const onCluster = target.kind === "cluster";
  // A lost wake-up costs at most this long a delay.
  const waitMs = onCluster ? (options.pollMs ?? 2_000) : blockMs * 3;
  const appendReplicas = options.appendReplicas ?? (target.kind === "standalone" ? 0 : 1);
  const replicaWaitMs = options.replicaWaitMs ?? 1_000;
  for (const [name, value, min] of [["pollMs", waitMs, 1], ["appendReplicas", appendReplicas, 0], ["replicaWaitMs", replicaWaitMs, 1]] as const) {
    if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer of at least ${min}, got ${value}`);
  }
  const channel = onCluster ? `${prefix}:run-events` : "";
  const countReplicas = appendReplicas > 0 ? "1" : "0";
  const redis = createRedisClient(target, { offlineQueue: true, connectionName: "gatehouse-run-events" }) as ScriptedRedis;
  redis.on("error", () => {});
  if (onCluster) {
    // Connect to every master at once rather than when a run on it is first read, so the
    // connections a log holds do not change with which runs clients stream.
    redis.on("ready", () => {
      for (const node of (redis as Cluster).nodes("master")) if (node.status === "wait") node.connect().catch(() => {});
    });
  }
  redis.defineCommand("appendRunEvents", { numberOfKeys: 1, lua: appendScript });
  redis.defineCommand("finishRunEvents", { numberOfKeys: 1, lua: finishScript });
  let waker: RunStreamWaker | undefined;
  let blocker: Redis | undefined;
  let closed = false;

  const wakerFor = (): RunStreamWaker => {
    if (waker !== undefined) return waker;
    if (onCluster) {
      const knownNodes = () => (redis as Cluster).nodes("all").map(({ options: node }) => ({ host: node.host!, port: node.port! }));
      waker = createRedisPublishWaiter(target, channel, knownNodes);
    } else {
      blocker = createRedisClient(target, { offlineQueue: true, connectionName: "gatehouse-run-events-reader" }) as Redis;
      blocker.on("error", () => {});
      waker = createRedisStreamWaiter(redis as Redis, blocker, blockMs);
    }
    return waker;
  };

  /** Acknowledges a write only once enough replicas have it, and only if it is still there (a failover may have come in between). */
  const confirm = async (key: string, [id, replicas]: ScriptReply) => {
    const needed = Math.min(appendReplicas, replicas);
    if (typeof id !== "string" || id === "" || needed === 0) return;
    // The key routes WAIT to the node that owns the run's slot, and to the connection that wrote.
    const results = await redis.pipeline().xrange(key, id, id).wait(needed, replicaWaitMs).exec();
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (results === null || failed) throw failed ?? new Error("the run event append's replication check was discarded");
    if ((results[0]![1] as StreamEntry[]).length === 0) throw new Error("the run events were lost in a failover");
    const reached = Number(results[1]![1]);
    if (reached < needed) throw new Error(`the run events reached ${reached} of ${needed} replicas in time`);
  };

  return {
    async append(runId, events: readonly NewRunEvent[]) {
      const fields = events.flatMap(({ event, data }) => [event, JSON.stringify(data ?? null)]);
      const key = runEventsKey(runId, prefix);
      const reply = await redis.appendRunEvents(key, bounds.maxEventsPerRun, bounds.abandonedTtlMs, channel, countReplicas, ...fields);
      if (reply[0] === 0) throw new RunStreamFinishedError(runId);
      await confirm(key, reply);
    },

    async finish(runId) {
      const key = runEventsKey(runId, prefix);
      await confirm(key, await redis.finishRunEvents(key, bounds.maxEventsPerRun, bounds.finishedTtlMs, channel, countReplicas));
    },

    async *read(runId, { afterId, signal }: ReadRunEventsOptions = {}): AsyncGenerator<RunEvent> {
      if (afterId !== undefined && !isStreamId(afterId)) throw new InvalidRunEventIdError("afterId");
      const key = runEventsKey(runId, prefix);
      let cursor = afterId ?? "0-0";
      let follower: StreamFollower | undefined;
      try {
        while (!closed && !signal?.aborted) {
          follower?.beforeRead();
          // The last entry too, in the same round trip: a cursor past the finish marker still ends the read.
          const replies = await redis.pipeline().xrange(key, `(${cursor}`, "+", "COUNT", readBatch).xrevrange(key, "+", "-", "COUNT", 1).exec();
          const [rangeError, range] = replies?.[0] ?? [new Error("no reply")];
          const [lastError, last] = replies?.[1] ?? [new Error("no reply")];
          if (rangeError) throw rangeError;
          if (lastError) throw lastError;
          const entries = range as StreamEntry[];
          for (const [id, fields] of entries) {
            if (fields[0] === finishedField) return;
            if (signal?.aborted) return;
            cursor = id;
            yield { id, event: fields[1] ?? "", data: JSON.parse(fields[3] ?? "null") };
          }
          if (entries.length > 0) continue;
          if ((last as StreamEntry[])[0]?.[1][0] === finishedField) return;
          if (follower === undefined) {
            // Read once more now that wake-ups are heard, so none that came since the read above is missed.
            follower = wakerFor().follow(key);
            continue;
          }
          await waitForWake(follower.wait(cursor), waitMs, signal);
        }
      } finally {
        follower?.close();
      }
    },

    async isFinished(runId) {
      const last = (await redis.xrevrange(runEventsKey(runId, prefix), "+", "-", "COUNT", 1)) as StreamEntry[];
      return last[0]?.[1][0] === finishedField;
    },

    async close() {
      closed = true;
      waker?.close();
      blocker?.disconnect();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
