import { Redis, type RedisOptions } from "ioredis";
import { InvalidRunEventIdError, RunStreamFinishedError } from "./run-event-errors.js";
import type { NewRunEvent, ReadRunEventsOptions, RunEvent, RunEventLog } from "./run-event-log.js";
import { resolveBounds, type RunEventLogBounds } from "./run-event-log-options.js";
import { createRedisStreamWaiter } from "./redis-stream-waiter.js";
import { waitForWake } from "./wait-for-wake.js";

/** Options of the Redis Streams run event log; see {@link RunEventLogBounds} for the bounds. */
export interface RedisRunEventLogOptions extends RunEventLogBounds {
  /** The Redis server, e.g. `redis://127.0.0.1:6379`. Needs Redis 6.2 or later. */
  url: string;
  /** Extra ioredis options for both connections (TLS, password, …). */
  redis?: RedisOptions;
  /** The first part of every key; default `gatehouse`. */
  keyPrefix?: string;
  /** How long one blocking `XREAD` waits before it is issued again; default 10 000 ms. */
  blockMs?: number;
  /** How many entries a reader fetches per `XRANGE`; default 500. */
  readBatch?: number;
}

/**
 * Where a run's events live. The run id in braces is a Redis Cluster hash
 * tag, so everything about one run stays in one slot.
 */
export const runEventsKey = (runId: string, prefix = "gatehouse") => `${prefix}:run:{${runId}}:events`;

/** An entry's fields: `event <name> data <json>`, or `finished 1` for the marker readers never see. */
const finishedField = "finished";

/**
 * Appends events unless the stream ends in the finish marker, trimming to
 * about ARGV[1] entries and restarting the abandoned-run clock: one atomic step.
 */
const appendScript = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if last[1] ~= nil and last[1][2][1] == '${finishedField}' then return 0 end
for i = 3, #ARGV, 2 do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'event', ARGV[i], 'data', ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** Adds the finish marker once and gives the stream its finished-run expiry. */
const finishScript = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if last[1] ~= nil and last[1][2][1] == '${finishedField}' then return 0 end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', '${finishedField}', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

type ScriptedRedis = Redis & {
  appendRunEvents(key: string, maxLen: number, ttlMs: number, ...fields: string[]): Promise<number>;
  finishRunEvents(key: string, maxLen: number, ttlMs: number): Promise<number>;
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
 * same Redis. One stream per run (see {@link runEventsKey}); each `XADD`
 * trims with `MAXLEN ~ maxEventsPerRun` (approximate: Redis drops whole
 * blocks of entries, so a run may briefly keep up to about a hundred more);
 * stream ids (`1718000000000-0`) are the event ids. Every append sets the
 * stream to expire `abandonedTtlMs` later, and `finish` adds a marker entry
 * (never delivered) and shortens that to `finishedTtlMs`, so a stream goes
 * away even if its worker died. Readers catch up with `XRANGE` and then wait
 * on one shared blocking connection (see {@link createRedisStreamWaiter}):
 * two connections per log however many clients stream.
 */
export function createRedisRunEventLog(options: RedisRunEventLogOptions): RunEventLog {
  const bounds = resolveBounds(options);
  const prefix = options.keyPrefix ?? "gatehouse";
  const blockMs = options.blockMs ?? 10_000;
  const readBatch = options.readBatch ?? 500;
  const redis = new Redis(options.url, { maxRetriesPerRequest: 1, ...options.redis, connectionName: "gatehouse-run-events" }) as ScriptedRedis;
  redis.on("error", () => {});
  redis.defineCommand("appendRunEvents", { numberOfKeys: 1, lua: appendScript });
  redis.defineCommand("finishRunEvents", { numberOfKeys: 1, lua: finishScript });
  let waiter: ReturnType<typeof createRedisStreamWaiter> | undefined;
  let blocker: Redis | undefined;
  let closed = false;

  const waiterFor = () => {
    if (waiter === undefined) {
      blocker = new Redis(options.url, { maxRetriesPerRequest: 0, ...options.redis, connectionName: "gatehouse-run-events-reader" });
      blocker.on("error", () => {});
      waiter = createRedisStreamWaiter(redis, blocker, blockMs);
    }
    return waiter;
  };

  return {
    async append(runId, events: readonly NewRunEvent[]) {
      const fields = events.flatMap(({ event, data }) => [event, JSON.stringify(data ?? null)]);
      const key = runEventsKey(runId, prefix);
      const appended = await redis.appendRunEvents(key, bounds.maxEventsPerRun, bounds.abandonedTtlMs, ...fields);
      if (appended === 0) throw new RunStreamFinishedError(runId);
    },

    async finish(runId) {
      await redis.finishRunEvents(runEventsKey(runId, prefix), bounds.maxEventsPerRun, bounds.finishedTtlMs);
    },

    async *read(runId, { afterId, signal }: ReadRunEventsOptions = {}): AsyncGenerator<RunEvent> {
      if (afterId !== undefined && !isStreamId(afterId)) throw new InvalidRunEventIdError("afterId");
      const key = runEventsKey(runId, prefix);
      let cursor = afterId ?? "0-0";
      while (!closed && !signal?.aborted) {
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
        await waitForWake(waiterFor().watch(key, cursor), blockMs * 3, signal);
      }
    },

    async isFinished(runId) {
      const last = (await redis.xrevrange(runEventsKey(runId, prefix), "+", "-", "COUNT", 1)) as StreamEntry[];
      return last[0]?.[1][0] === finishedField;
    },

    async close() {
      closed = true;
      waiter?.close();
      blocker?.disconnect();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
