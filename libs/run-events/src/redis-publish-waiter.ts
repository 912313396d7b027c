import { keepSubscribed, type KeptSubscription, type RedisAddress, type RedisTarget } from "@gatehouse/redis";
import type { RunStreamWaker } from "./redis-stream-waiter.js";

interface Follower {
  /** A wake-up came since the last `beforeRead`. */
  heard: boolean;
  wake: (() => void) | undefined;
}

/**
 * Wake-ups for a Redis Cluster, where one `XREAD` cannot name streams in
 * different slots: every append and finish PUBLISHes the stream's key on
 * `channel` (a cluster delivers a plain PUBLISH on every node), and this one
 * subscriber connection per log hears them all and wakes the readers of that
 * key, who then fetch the entries themselves with `XRANGE`. A reader marks
 * itself before each read, so a message that arrives between its read and its
 * wait still wakes it. Messages published while the subscription is down are
 * lost: each time it is (re)established every reader is woken to read again,
 * and readers also re-read after `pollMs` of silence (the caller's wait
 * timeout), so a lost wake-up delays an event but never loses it. When its
 * node goes away the subscription moves to another node of the cluster.
 */
export function createRedisPublishWaiter(
  target: RedisTarget,
  channel: string,
  knownNodes: () => RedisAddress[],
): RunStreamWaker {
  const followers = new Map<string, Set<Follower>>();
  let subscription: KeptSubscription | undefined;
  let count = 0;
  let closed = false;

  const wakeAll = (set: Iterable<Follower>) => {
    for (const follower of [...set]) {
      follower.heard = true;
      follower.wake?.();
    }
  };

  const subscribe = () => {
    subscription = keepSubscribed(target, channel, {
      onMessage: (key) => {
        const set = followers.get(key);
        if (set !== undefined) wakeAll(set);
      },
      onSubscribed: () => {
        for (const set of followers.values()) wakeAll(set);
      },
      knownNodes,
    });
  };

  return {
    follow(key) {
      if (subscription === undefined && !closed) subscribe();
      const follower: Follower = { heard: closed, wake: undefined };
      let set = followers.get(key);
      if (set === undefined) followers.set(key, (set = new Set()));
      set.add(follower);
      count += 1;
      let open = true;
      return {
        beforeRead() {
          follower.heard = closed;
        },
        wait: () => (wake) => {
          if (follower.heard) {
            wake();
            return () => {};
          }
          follower.wake = wake;
          return () => {
            if (follower.wake === wake) follower.wake = undefined;
          };
        },
        close() {
          if (!open) return;
          open = false;
          count -= 1;
          set.delete(follower);
          if (set.size === 0 && followers.get(key) === set) followers.delete(key);
        },
      };
    },
    get waiting() {
      return count;
    },
    close() {
      closed = true;
      subscription?.close();
      for (const set of followers.values()) wakeAll(set);
    },
  };
}
