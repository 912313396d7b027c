import { describe, expect, it } from "vitest";
import type { CachedIdentity } from "./cached-identity.js";
import { createIdentityCache, IdentityCacheUnavailable } from "./identity-cache.js";
import { createMemoryIdentityStore } from "./memory-identity-store.js";
import type { SharedIdentityStore } from "./shared-identity-store.js";

const user = (identity: string, cacheUntil = Date.now() + 60_000): CachedIdentity => ({
  kind: "user",
  user: { identity, display_name: identity, is_authenticated: true, permissions: [] },
  cacheUntil,
});

/** A shared store that is down: every call rejects, as Redis does without its offline queue. */
function downStore(): SharedIdentityStore {
  const down = () => Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false"));
  return { revocationHoldMs: 10_000, connect: async () => {}, get: down, set: down, revoke: down, subscribeRevocations: async () => {}, close: async () => {} };
}

describe("createIdentityCache", () => {
  it("treats a shared-store failure as a miss, never as a hit", async () => {
    const cache = createIdentityCache({ shared: downStore(), l1TtlMs: 5_000, l1MaxEntries: 10 });
    expect(await cache.lookup("k")).toBeUndefined();
  });

  it("lookupShared asks the shared store even when L1 holds an entry, and keeps the answer in L1", async () => {
    const shared = createMemoryIdentityStore();
    const cache = createIdentityCache({ shared, l1TtlMs: 5_000, l1MaxEntries: 10 });
    cache.rememberLocal("k", user("bound-elsewhere"));
    await shared.set("k", user("from-redis"));
    expect(await cache.lookup("k")).toMatchObject({ user: { identity: "bound-elsewhere" } });
    expect(await cache.lookupShared("k")).toMatchObject({ user: { identity: "from-redis" } });
    expect(cache.lookupLocal("k")).toMatchObject({ user: { identity: "from-redis" } });
  });

  it("still keeps what it verified in L1 when the shared store is down", async () => {
    const cache = createIdentityCache({ shared: downStore(), l1TtlMs: 5_000, l1MaxEntries: 10 });
    await cache.remember("k", user("user1"));
    expect(cache.lookupLocal("k")).toMatchObject({ kind: "user" });
  });

  it("reports an outage once per interval with the number of failures, not once per request", async () => {
    const state = { now: 0 };
    const reports: IdentityCacheUnavailable[] = [];
    let recovered = 0;
    const shared = downStore();
    const cache = createIdentityCache({
      shared,
      l1TtlMs: 0,
      l1MaxEntries: 10,
      onSharedError: (error) => reports.push(error),
      onSharedRecovered: () => (recovered += 1),
      sharedErrorIntervalMs: 10_000,
      now: () => state.now,
    });
    for (let request = 0; request < 1_000; request += 1) {
      state.now += 15;
      await cache.lookup(`k${request}`);
    }
    // 1 000 failures over 15 s: the first at once, then one report 10 s later counting every failure since.
    expect(reports.map((report) => report.failures)).toEqual([1, 667]);
    expect(reports[0]).toBeInstanceOf(IdentityCacheUnavailable);
    expect(reports[0]!.message).toContain("enableOfflineQueue");

    shared.get = async () => undefined;
    await cache.lookup("k");
    await cache.lookup("k");
    expect(recovered).toBe(1);
  });

  it("a revocation in one process drops the key from every process's L1", async () => {
    const shared = createMemoryIdentityStore();
    const [here, there] = [1, 2].map(() => createIdentityCache({ shared, l1TtlMs: 60_000, l1MaxEntries: 10 }));
    await here!.start();
    await there!.start();
    await here!.remember("k", user("user1"));
    expect(await there!.lookup("k")).toBeDefined();
    expect(await here!.revoke("k")).toBe(true);
    expect(here!.lookupLocal("k")).toBeUndefined();
    expect(there!.lookupLocal("k")).toBeUndefined();
    expect(await there!.lookup("k")).toBeUndefined();
  });

  it("a lookup in flight when the key is revoked does not put the revoked identity back in L1", async () => {
    const shared = createMemoryIdentityStore();
    await shared.set("k", user("user1"));
    let release: () => void = () => {};
    const slowGet = shared.get.bind(shared);
    const slow: SharedIdentityStore = {
      ...shared,
      revocationHoldMs: shared.revocationHoldMs,
      get: async (key) => {
        const entry = await slowGet(key);
        await new Promise<void>((resolve) => (release = resolve));
        return entry;
      },
    };
    const cache = createIdentityCache({ shared: slow, l1TtlMs: 60_000, l1MaxEntries: 10 });
    await cache.start();
    const lookup = cache.lookup("k");
    await new Promise((resolve) => setImmediate(resolve));
    await cache.revoke("k");
    release();
    await lookup;
    expect(cache.lookupLocal("k")).toBeUndefined();
    // Nor can a verification that finishes now store it, anywhere.
    await cache.remember("k", user("user1"));
    expect(cache.lookupLocal("k")).toBeUndefined();
    expect(await shared.get("k")).toBeUndefined();
  });

  it("a revocation subscription that reconnects clears L1, since revocations may have been missed", async () => {
    let missed: (() => void) | undefined;
    const shared: SharedIdentityStore = {
      ...createMemoryIdentityStore(),
      subscribeRevocations: async (_onRevoked, onMissed) => {
        missed = onMissed;
      },
    };
    const cache = createIdentityCache({ shared, l1TtlMs: 60_000, l1MaxEntries: 10 });
    await cache.start();
    cache.rememberLocal("k", user("user1"));
    missed!();
    expect(cache.lookupLocal("k")).toBeUndefined();
  });

  it("revocation rejects when the shared store is down, so the caller knows it did not happen", async () => {
    const cache = createIdentityCache({ shared: downStore(), l1TtlMs: 5_000, l1MaxEntries: 10 });
    await expect(cache.revoke("k")).rejects.toThrow();
  });
});
