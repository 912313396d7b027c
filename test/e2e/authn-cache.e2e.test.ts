/**
 * The identity cache across processes on a real Redis: two authn and two
 * store processes (each store on its own authn), one authz, an identity
 * provider stand-in on loopback. Proves that no raw token reaches Redis, that
 * no entry outlives its credential, that a revocation takes effect on every
 * instance, that a burst with one cold token costs one provider call per
 * instance, and that with Redis stopped every request is still verified
 * directly: served when valid, refused when not, with authn still SERVING.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialKey, identityKey } from "@gatehouse/identity";
import { startIdentityProvider, type IdentityProvider } from "@gatehouse/verifiers/testing";
import { authnClient, type AuthnClient } from "../support/authn-client.js";
import { checkHealth } from "../support/health-client.js";
import { identityProviderEnv } from "../support/identity-provider-env.js";
import { dumpRedis, hasRedisServer, startPrivateRedis, type PrivateRedis } from "@gatehouse/redis/testing";
import { expectError, grpc, storeClient, type StoreClient } from "../support/proto-client.js";
import { startReplicatedGatehouse, type ReplicatedGatehouse } from "../support/replicated-gatehouse.js";
import { fromRoot } from "../support/test-gatehouse.js";

const audience = "gatehouse";
const clients = { "authn-a": "secret-a", "authn-b": "secret-b" };
const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Two stores on one embedded database would queue on its single connection: this suite needs a real Postgres.
describe.skipIf(!hasRedisServer || !process.env.DATABASE_URL)("the identity cache across two authn and two store processes", () => {
  let idp: IdentityProvider;
  let redis: PrivateRedis;
  let admin: Redis;
  let gatehouse: ReplicatedGatehouse;
  let authn: AuthnClient[];
  const staticToken = `static-${randomBytes(16).toString("hex")}`;
  const logs: Array<{ service: string; line: string }> = [];
  const allLogs: string[] = [];
  const tokensSeen = new Set<string>();

  beforeAll(async () => {
    [idp, redis] = await Promise.all([startIdentityProvider({ clients }), startPrivateRedis()]);
    admin = redis.admin();
    gatehouse = await startReplicatedGatehouse({
      configPath: fromRoot("test/fixtures/verifiers.gatehouse.json"),
      redisUrl: redis.url,
      replicas: Object.entries(clients).map(([id, secret]) => ({ IDP_CLIENT_ID: id, IDP_CLIENT_SECRET: secret })),
      // A long L1, so that only a revocation message, not expiry, can empty it.
      // No rate limit: with Redis the stores share one, and 1000 requests at once from one address would meet it.
      env: { ...identityProviderEnv(idp, staticToken), GATEHOUSE_L1_TTL_MS: "60000", GATEHOUSE_RATE_LIMIT_PER_SECOND: "0", LOG_LEVEL: "warn" },
      onLog: (service, line) => {
        logs.push({ service, line });
        allLogs.push(line);
      },
    });
    authn = gatehouse.authn.map((instance) => authnClient(instance.address));
  });

  afterAll(async () => {
    for (const client of authn ?? []) client.close();
    await gatehouse?.stop();
    await Promise.all([redis?.stop(), idp?.close()]);
  });

  function clientsFor(token: string): StoreClient[] {
    tokensSeen.add(token);
    return gatehouse.stores.map((store) => storeClient(store.address, { authorization: `Bearer ${token}` }));
  }

  /** Calls SearchThreads through every store; resolves the gRPC codes (0 = OK). */
  async function codesThroughEveryStore(token: string): Promise<number[]> {
    const stores = clientsFor(token);
    try {
      const results = await Promise.all(stores.map((client) => client.call("ThreadService", "SearchThreads", {})));
      return results.map((result) => (result.ok ? grpc.status.OK : result.error.code));
    } finally {
      for (const client of stores) client.close();
    }
  }

  const cacheKey = (token: string) =>
    identityKey(credentialKey(Buffer.from(gatehouse.secret, "utf8"), new Headers({ authorization: `Bearer ${token}` }), ["authorization"]));
  const introspections = (clientId?: string) => idp.count("/introspect", clientId);

  it("no raw token, nor any part of one, is anywhere in Redis", async () => {
    const jwt = await idp.sign({ sub: "user1", aud: audience });
    const tokens = [
      jwt,
      idp.issueOpaque({ sub: "user2", exp: now() + 600 }, "opaque-"),
      idp.issueOpaque({ sub: "user3" }, "userinfo-"),
      staticToken,
      `${jwt.slice(0, -4)}AAAA`,
      "opaque-never-issued-token-value",
    ];
    for (const token of tokens) await codesThroughEveryStore(token);
    const dump = await dumpRedis(admin);
    expect(dump.size).toBeGreaterThanOrEqual(tokens.length);
    const fragments = tokens.flatMap((token) => [token, ...token.split(".").filter((part) => part.length >= 16)]);
    for (const [key, value] of dump) {
      expect(key).toMatch(/^gatehouse:identity:v3:\{[0-9a-f]{64}\}(:revoked)?$/);
      for (const fragment of fragments) {
        expect(key).not.toContain(fragment);
        expect(value ?? "").not.toContain(fragment);
      }
    }
  });

  it("an entry forged in Redis (identity changed, key kept) is ignored and the credential verified again", async () => {
    const token = idp.issueOpaque({ sub: "victim", exp: now() + 600 }, "opaque-");
    const [storeA, storeB] = clientsFor(token);
    expect((await storeA!.call("ThreadService", "SearchThreads", {})).ok).toBe(true);
    const key = cacheKey(token);
    for (let wait = 0; wait < 50 && (await admin.exists(key)) === 0; wait += 1) await sleep(20);
    const sealed = (await admin.get(key))!;
    expect(sealed).toContain('"identity":"victim"');
    await admin.set(key, sealed.replace('"identity":"victim"', '"identity":"mallory"'), "KEEPTTL");

    // Store B has never seen the token: its L1 is empty, so it (and its authn) read the forged entry.
    const before = introspections("authn-b");
    const created = await storeB!.call("ThreadService", "CreateThread", {});
    for (const client of [storeA!, storeB!]) client.close();
    if (!created.ok) throw created.error;
    const owner = (created.value as { thread: { metadata: { fields: { owner: { stringValue: string } } } } }).thread.metadata.fields.owner;
    expect(owner.stringValue).toBe("victim");
    expect(introspections("authn-b") - before).toBe(1);
    expect(allLogs.some((line) => line.includes("MAC does not match"))).toBe(true);
  });

  it("every Redis TTL ends at or before the credential's expiry, and within the identity TTL", async () => {
    const cases = [
      { token: await idp.sign({ sub: "short-jwt", aud: audience }, { expiresInSec: 20 }), expiresAt: now() + 20 },
      { token: await idp.sign({ sub: "long-jwt", aud: audience }, { expiresInSec: 3_600 }), expiresAt: now() + 3_600 },
      { token: idp.issueOpaque({ sub: "short-opaque", exp: now() + 15 }, "opaque-"), expiresAt: now() + 15 },
    ];
    for (const { token } of cases) expect(await codesThroughEveryStore(token)).toEqual([grpc.status.OK, grpc.status.OK]);
    for (const { token, expiresAt } of cases) {
      const before = Date.now();
      const ttl = await admin.pttl(cacheKey(token));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(expiresAt * 1000 - before);
      expect(ttl).toBeLessThanOrEqual(300_000);
    }
  });

  it("a token stops working at its exp on every instance, although every cache tier would still hold it", async () => {
    const exp = now() + 2;
    const token = await idp.sign({ sub: "brief", aud: audience, exp });
    expect(await codesThroughEveryStore(token)).toEqual([grpc.status.OK, grpc.status.OK]);
    await sleep(exp * 1000 - Date.now() + 1_100);
    expect(await codesThroughEveryStore(token)).toEqual([grpc.status.UNAUTHENTICATED, grpc.status.UNAUTHENTICATED]);
  });

  it("a revocation through one authn takes effect on every authn and every store at once", async () => {
    const token = idp.issueOpaque({ sub: "revoked-user", exp: now() + 600 }, "opaque-");
    expect(await codesThroughEveryStore(token)).toEqual([grpc.status.OK, grpc.status.OK]);
    // The provider revokes it; every cache tier still vouches for it (the L1s live for a minute).
    idp.deactivate(token);
    expect(await codesThroughEveryStore(token)).toEqual([grpc.status.OK, grpc.status.OK]);
    const calls = introspections();

    const { removed } = await authn[0]!.client.revokeCredential({ headers: { authorization: `Bearer ${token}` } });
    expect(removed).toBe(true);
    expect(await admin.exists(cacheKey(token))).toBe(0);
    let codes: number[] = [];
    for (let attempt = 0; attempt < 20; attempt += 1) {
      codes = await codesThroughEveryStore(token);
      if (codes.every((code) => code === grpc.status.UNAUTHENTICATED)) break;
      await sleep(50);
    }
    expect(codes).toEqual([grpc.status.UNAUTHENTICATED, grpc.status.UNAUTHENTICATED]);
    const direct = await authn[1]!.client.authenticate({ headers: { authorization: `Bearer ${token}` }, method: "POST", path: "/x.Y/Z" });
    expect(direct.outcome.case).toBe("rejection");
    // Each authn asked the provider again (and cached its "no" briefly); nobody answered from a stale cache.
    expect(introspections()).toBeGreaterThan(calls);
  });

  it("1000 concurrent requests with one cold opaque token make exactly one provider call per authn instance", async () => {
    const token = idp.issueOpaque({ sub: "burst", exp: now() + 600 }, "opaque-");
    const before = { a: introspections("authn-a"), b: introspections("authn-b") };
    idp.delayMs = 300;
    try {
      const stores = clientsFor(token);
      const results = await Promise.all(
        Array.from({ length: 1_000 }, (_, n) => stores[n % 2]!.call("ThreadService", "SearchThreads", {})),
      );
      for (const client of stores) client.close();
      expect(results.filter((result) => result.ok)).toHaveLength(1_000);
      expect(introspections("authn-a") - before.a).toBe(1);
      expect(introspections("authn-b") - before.b).toBe(1);

      // The same straight at one authn, past the store's own coalescing.
      const direct = idp.issueOpaque({ sub: "burst-direct", exp: now() + 600 }, "opaque-");
      const calls = introspections("authn-a");
      const answers = await Promise.all(
        Array.from({ length: 1_000 }, () => authn[0]!.client.authenticate({ headers: { authorization: `Bearer ${direct}` }, method: "POST", path: "/x.Y/Z" })),
      );
      expect(answers.every((answer) => answer.outcome.case === "user")).toBe(true);
      expect(introspections("authn-a") - calls).toBe(1);
    } finally {
      idp.delayMs = 0;
    }
  });

  it("with Redis stopped, every request is verified directly: valid ones served, invalid ones refused, the outage logged once", async () => {
    // Cleared first: the first failure may be noticed, and logged, while the kill is still returning.
    logs.length = 0;
    await redis.kill();
    const fresh = Array.from({ length: 40 }, (_, n) => idp.issueOpaque({ sub: `outage-${n}`, exp: now() + 600 }, "opaque-"));
    const calls = introspections();
    const started = Date.now();
    for (const token of fresh) expect(await codesThroughEveryStore(token)).toEqual([grpc.status.OK, grpc.status.OK]);
    // Every new token was checked with the provider by both authn instances: nothing was accepted unverified.
    expect(introspections() - calls).toBe(fresh.length * 2);
    expect((Date.now() - started) / fresh.length).toBeLessThan(500);

    const inactive = idp.issueOpaque({ sub: "gone" }, "opaque-");
    idp.deactivate(inactive);
    expect(await codesThroughEveryStore(inactive)).toEqual([grpc.status.UNAUTHENTICATED, grpc.status.UNAUTHENTICATED]);
    const forged = `${(await idp.sign({ sub: "user1", aud: audience })).slice(0, -4)}AAAA`;
    expect(await codesThroughEveryStore(forged)).toEqual([grpc.status.UNAUTHENTICATED, grpc.status.UNAUTHENTICATED]);
    expect(await codesThroughEveryStore(await idp.sign({ sub: "user1", aud: audience }))).toEqual([grpc.status.OK, grpc.status.OK]);
    // Redis only caches: authn is degraded, not down, and keeps reporting SERVING to balancers.
    for (const instance of gatehouse.authn) expect(await checkHealth(instance.address, "gatehouse.authn.v1.AuthnService")).toBe("SERVING");

    // At most one warning per process per 10 s: an earlier test's Redis trouble may have spent this
    // window's, so failures go on until the next window's warning (or 12 s).
    const warningsSoFar = () => logs.filter(({ line }) => line.includes("identity cache unavailable"));
    for (let late = 0; warningsSoFar().length === 0 && late < 48; late += 1) {
      await codesThroughEveryStore(idp.issueOpaque({ sub: `outage-late-${late}`, exp: now() + 600 }, "opaque-"));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const warnings = warningsSoFar();
    const perProcess = new Map<string, number>();
    for (const { service } of warnings) perProcess.set(service, (perProcess.get(service) ?? 0) + 1);
    expect(warnings.length).toBeGreaterThan(0);
    expect(Math.max(...perProcess.values())).toBeLessThanOrEqual(2);
  });

  it("when Redis comes back, identities are cached in it again", async () => {
    await redis.restart();
    const token = idp.issueOpaque({ sub: "after-outage", exp: now() + 600 }, "opaque-");
    let cached = false;
    for (let attempt = 0; attempt < 40 && !cached; attempt += 1) {
      await codesThroughEveryStore(idp.issueOpaque({ sub: `probe-${attempt}` }, "opaque-"));
      await codesThroughEveryStore(token);
      cached = (await admin.exists(cacheKey(token))) === 1;
      if (!cached) await sleep(100);
    }
    expect(cached).toBe(true);
  });

  it("no process logged any token it was sent", () => {
    expect(allLogs.length).toBeGreaterThan(0);
    for (const line of allLogs) for (const token of tokensSeen) expect(line).not.toContain(token);
  });

  it("a store refuses a request without credentials as UNAUTHENTICATED with a challenge", async () => {
    const anonymous = storeClient(gatehouse.stores[0]!.address, {});
    const error = expectError(await anonymous.call("ThreadService", "SearchThreads", {}));
    anonymous.close();
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(error.metadata.get("www-authenticate")).toEqual(['Bearer realm="gatehouse"']);
  });
});
