import type { Redis } from "ioredis";

/** One reader's view of a stream it follows: whether something may have been appended since its last read. */
export interface StreamFollower {
  /** Call just before each catch-up read: only wake-ups heard after this count for the next wait. */
  beforeRead(): void;
  /** For {@link waitForWake}: calls `wake` once the stream may have an entry after `afterId`. */
  wait(afterId: string): (wake: () => void) => () => void;
  /** The reader is done with the stream. */
  close(): void;
}

/** Wakes the readers of a log when the streams they follow may have new entries. */
export interface RunStreamWaker {
  /** Starts following the stream at `key`; close the follower when done. */
  follow(key: string): StreamFollower;
  /** How many readers follow a stream right now. */
  readonly waiting: number;
  close(): void;
}

/** Wakes readers when a Redis stream gets an entry after the id they have read up to. */
export interface RedisStreamWaiter extends RunStreamWaker {
  /** For {@link waitForWake}: calls `wake` once the stream at `key` has an entry after `afterId`. */
  watch(key: string, afterId: string): (wake: () => void) => () => void;
}

interface Watch {
  key: string;
  afterId: string;
  wake: () => void;
}

/**
 * One blocking connection that waits for every waiting reader of this
 * process at once: a single `XREAD BLOCK` naming each watched stream with the
 * oldest id read up to on it. A connection per reader would cost hundreds of
 * Redis connections per replica under load; this costs one, whatever the
 * number of readers. It only signals: readers fetch the entries themselves
 * with `XRANGE` on the command connection, so each keeps its own position
 * exactly. A reader that starts watching a stream the pending `XREAD` does
 * not cover (or covers from a later id) interrupts it with `CLIENT UNBLOCK`
 * from the command connection, so it is never left waiting for the block to
 * time out.
 *
 * All streams of one `XREAD` must share a hash slot on Redis Cluster, so
 * this multiplexing needs a standalone Redis or a master behind Sentinels;
 * on a cluster the log uses `createRedisPublishWaiter` instead.
 */
export function createRedisStreamWaiter(command: Redis, blocker: Redis, blockMs: number): RedisStreamWaiter {
  const watches = new Set<Watch>();
  let running = false;
  let closed = false;
  let blockerId: number | undefined;
  /** The streams and ids of the `XREAD` in flight, and which one it is. */
  let inFlight: { ids: Map<string, string>; generation: number } | undefined;
  let generation = 0;
  let interrupting = false;
  let interruptWanted = false;

  // A reconnected blocker has a new client id (behind Sentinels perhaps on another server).
  blocker.on("close", () => {
    blockerId = undefined;
  });

  /** Ends the pending XREAD early so the next one covers a new watch; one interrupter at a time, none lost. */
  const interrupt = async () => {
    interruptWanted = true;
    if (interrupting) return;
    interrupting = true;
    try {
      while (interruptWanted && !closed) {
        interruptWanted = false;
        const pending = inFlight;
        // Nothing in flight: the next XREAD is built from all watches, the new one included.
        if (pending === undefined || blockerId === undefined) continue;
        for (let attempt = 1; !closed && inFlight?.generation === pending.generation; attempt += 1) {
          const unblocked = await command.client("UNBLOCK", blockerId).catch(() => 0);
          if (unblocked === 1) break;
          // The XREAD has been sent but has not reached Redis yet: try again shortly.
          await new Promise((resolve) => setTimeout(resolve, Math.min(attempt * 5, 50)));
        }
      }
    } finally {
      interrupting = false;
    }
  };

  const loop = async () => {
    running = true;
    let failures = 0;
    while (watches.size > 0 && !closed) {
      // Let readers woken by the last reply re-register before the next XREAD.
      await new Promise((resolve) => setImmediate(resolve));
      if (watches.size === 0 || closed) break;
      const ids = new Map<string, string>();
      for (const { key, afterId } of watches) {
        const known = ids.get(key);
        if (known === undefined || compareStreamIds(afterId, known) < 0) ids.set(key, afterId);
      }
      try {
        blockerId ??= Number(await blocker.client("ID"));
        generation += 1;
        inFlight = { ids, generation };
        const reply = (await blocker.xread("COUNT", 1, "BLOCK", blockMs, "STREAMS", ...ids.keys(), ...ids.values())) as
          | [key: string, entries: unknown[]][]
          | null;
        inFlight = undefined;
        failures = 0;
        const changed = new Set((reply ?? []).map(([key]) => key));
        for (const watch of [...watches]) if (changed.has(watch.key)) watch.wake();
      } catch {
        inFlight = undefined;
        if (closed) break;
        // Readers re-check on the command connection, which reports the outage if there is one.
        for (const watch of [...watches]) watch.wake();
        failures += 1;
        await new Promise((resolve) => setTimeout(resolve, Math.min(failures * 100, 1_000)));
      }
    }
    running = false;
  };

  const watch = (key: string, afterId: string) => (wake: () => void) => {
      const entry = { key, afterId, wake };
      watches.add(entry);
      if (!running) void loop();
      else if (inFlight !== undefined) {
        const covered = inFlight.ids.get(key);
        if (covered === undefined || compareStreamIds(afterId, covered) < 0) void interrupt();
      }
      return () => {
        watches.delete(entry);
      };
  };

  return {
    watch,
    // XREAD itself says whether there is an entry after the id, so a follower needs no marks.
    follow: (key) => ({ beforeRead() {}, wait: (afterId) => watch(key, afterId), close() {} }),
    get waiting() {
      return watches.size;
    },
    close() {
      closed = true;
      for (const watch of [...watches]) watch.wake();
    },
  };
}

/** Orders two Redis stream ids (`ms-seq`, or `ms` meaning `ms-0`). */
export function compareStreamIds(a: string, b: string): number {
  const [aMs = "0", aSeq = "0"] = a.split("-");
  const [bMs = "0", bSeq = "0"] = b.split("-");
  const ms = BigInt(aMs) - BigInt(bMs);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(aSeq) - BigInt(bSeq);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}
