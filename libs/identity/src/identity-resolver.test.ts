import { describe, expect, it } from "vitest";
import type { CachedIdentity } from "./cached-identity.js";
import { createIdentityCache } from "./identity-cache.js";
import { createIdentityResolver, type IdentityTier } from "./identity-resolver.js";
import { createMemoryIdentityStore } from "./memory-identity-store.js";

const secret = Buffer.from("test-secret");
const user: CachedIdentity = {
  kind: "user",
  user: { identity: "alice", display_name: "alice", is_authenticated: true, permissions: [] },
  cacheUntil: Date.now() + 60_000,
};

function setUp() {
  const shared = createMemoryIdentityStore();
  const cache = createIdentityCache({ shared, l1TtlMs: 60_000, l1MaxEntries: 100 });
  const tiers: IdentityTier[] = [];
  const events: string[] = [];
  let verifications = 0;
  const resolver = createIdentityResolver<string>({
    secret,
    cache,
    async verify(key, request) {
      verifications += 1;
      events.push(`verify ${request}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await cache.remember(key, user);
      return user;
    },
    onTier: (tier) => tiers.push(tier),
  });
  const query = (key: string) => ({
    key,
    headers: new Headers({ authorization: `Bearer ${key}` }),
    line: "POST /x",
    request: key,
    afterLookup: (cached: CachedIdentity | undefined) => void events.push(`looked up ${cached === undefined ? "nothing" : cached.kind}`),
  });
  return { cache, shared, resolver, tiers, events, query, verifications: () => verifications };
}

describe("createIdentityResolver", () => {
  it("concurrent misses for one credential share one verification, told after the lookup and before it", async () => {
    const { resolver, events, query, verifications, tiers } = setUp();
    const answers = await Promise.all(Array.from({ length: 50 }, () => resolver.resolve(query("k1"))));
    expect(answers.every((answer) => answer === user)).toBe(true);
    expect(verifications()).toBe(1);
    expect(events.indexOf("verify k1")).toBeGreaterThan(events.indexOf("looked up nothing"));
    expect(tiers.filter((tier) => tier === "verify")).toHaveLength(50);
  });

  it("answers from the L1, then from the shared cache, without verifying", async () => {
    const { resolver, query, verifications, tiers, shared } = setUp();
    await resolver.resolve(query("k2"));
    await resolver.resolve(query("k2"));
    expect(tiers).toEqual(["verify", "l1"]);
    await shared.set("k3", user);
    await resolver.resolve(query("k3"));
    expect(tiers).toEqual(["verify", "l1", "shared"]);
    expect(verifications()).toBe(1);
  });

  it("a lookup hook that throws stops the request before any verification", async () => {
    const { resolver, query, verifications } = setUp();
    await expect(
      resolver.resolve({
        ...query("k4"),
        afterLookup: () => {
          throw new Error("rate limited");
        },
      }),
    ).rejects.toThrow("rate limited");
    expect(verifications()).toBe(0);
  });
});
