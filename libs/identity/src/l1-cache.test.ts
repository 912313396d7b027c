import { describe, expect, it } from "vitest";
import type { CachedIdentity } from "./cached-identity.js";
import { L1Cache } from "./l1-cache.js";

const user = (cacheUntil: number): CachedIdentity => ({
  kind: "user",
  user: { identity: "user1", display_name: "user1", is_authenticated: true, permissions: [] },
  cacheUntil,
});

function clock(start = 1_000_000) {
  const state = { now: start };
  return { state, now: () => state.now };
}

describe("L1Cache", () => {
  it("keeps an entry for its TTL and drops it after, however often it is read", () => {
    const { state, now } = clock();
    const l1 = new L1Cache(1_000, 10, now);
    l1.set("k", user(state.now + 60_000));
    for (let step = 0; step < 9; step += 1) {
      state.now += 100;
      expect(l1.get("k")).toBeDefined();
    }
    state.now += 100;
    expect(l1.get("k")).toBeUndefined();
  });

  it("never keeps an entry past its own cacheUntil, even when the TTL is longer", () => {
    const { state, now } = clock();
    const l1 = new L1Cache(60_000, 10, now);
    l1.set("k", user(state.now + 300));
    state.now += 299;
    expect(l1.get("k")).toBeDefined();
    state.now += 1;
    expect(l1.get("k")).toBeUndefined();
  });

  it("does not store an entry that has already expired", () => {
    const { state, now } = clock();
    const l1 = new L1Cache(60_000, 10, now);
    l1.set("k", user(state.now));
    expect(l1.size).toBe(0);
  });

  it("evicts the oldest entry when full", () => {
    const { state, now } = clock();
    const l1 = new L1Cache(60_000, 2, now);
    l1.set("a", user(state.now + 60_000));
    l1.set("b", user(state.now + 60_000));
    l1.set("c", user(state.now + 60_000));
    expect([l1.get("a"), l1.get("b"), l1.get("c")].map(Boolean)).toEqual([false, true, true]);
  });

  it("refuses to store a revoked key during its hold, and stores it again after", () => {
    const { state, now } = clock();
    const l1 = new L1Cache(60_000, 10, now);
    l1.set("k", user(state.now + 60_000));
    l1.revoke("k", 500);
    expect(l1.get("k")).toBeUndefined();
    l1.set("k", user(state.now + 60_000));
    expect(l1.get("k")).toBeUndefined();
    state.now += 500;
    l1.set("k", user(state.now + 60_000));
    expect(l1.get("k")).toBeDefined();
  });

  it("stores a rejection for a held key, since a rejection grants nothing", () => {
    const { state, now } = clock();
    const l1 = new L1Cache(60_000, 10, now);
    l1.revoke("k", 500);
    l1.set("k", { kind: "rejected", status: 401, message: "Invalid token", headers: {}, cacheUntil: state.now + 5_000 });
    expect(l1.get("k")).toMatchObject({ kind: "rejected" });
  });

  it("clear drops every entry", () => {
    const { state, now } = clock();
    const l1 = new L1Cache(60_000, 10, now);
    l1.set("a", user(state.now + 60_000));
    l1.set("b", user(state.now + 60_000));
    l1.clear();
    expect(l1.size).toBe(0);
  });
});
