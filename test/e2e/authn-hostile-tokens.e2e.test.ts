/**
 * The hostile-token table of issue 5, end to end: authn, authz and store as
 * processes on a real Redis, the built-in verifiers against an identity
 * provider stand-in on loopback. Every row is UNAUTHENTICATED at the client,
 * nothing is cached as a valid identity, and no request reaches any URL but
 * the configured JWKS.
 */
import { createHmac, createPublicKey, randomBytes } from "node:crypto";
import { base64url, SignJWT } from "jose";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialKey, identityKey, isCachedIdentity, openIdentityEntry } from "@gatehouse/identity";
import { startCluster, type Cluster } from "@gatehouse/launcher";
import { createSigningKey, startIdentityProvider, type IdentityProvider } from "@gatehouse/verifiers/testing";
import { authnClient, type AuthnClient } from "../support/authn-client.js";
import { identityProviderEnv } from "../support/identity-provider-env.js";
import { dumpRedis, hasRedisServer, startPrivateRedis, type PrivateRedis } from "@gatehouse/redis/testing";
import { expectError, expectOk, grpc, storeClient } from "../support/proto-client.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { fromRoot } from "../support/test-gatehouse.js";

const audience = "gatehouse";
const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
const now = () => Math.floor(Date.now() / 1000);

describe.skipIf(!hasRedisServer)("hostile tokens are UNAUTHENTICATED end to end and never cached as valid", () => {
  let idp: IdentityProvider;
  let attacker: IdentityProvider;
  let redis: PrivateRedis;
  let admin: Redis;
  let database: TestDatabase;
  let cluster: Cluster;
  let authn: AuthnClient;
  const secret = randomBytes(32).toString("hex");
  const staticToken = `static-${randomBytes(16).toString("hex")}`;

  beforeAll(async () => {
    [idp, attacker, redis, database] = await Promise.all([startIdentityProvider(), startIdentityProvider(), startPrivateRedis(), createTestDatabase()]);
    admin = redis.admin();
    cluster = await startCluster({
      configPath: fromRoot("test/fixtures/verifiers.gatehouse.json"),
      databaseUrl: database.url,
      databasePoolMax: database.poolMax,
      redisUrl: redis.url,
      env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "silent", GATEHOUSE_CACHE_SECRET: secret, ...identityProviderEnv(idp, staticToken) },
    });
    authn = authnClient(cluster.authn.address);
  });

  afterAll(async () => {
    authn?.close();
    await cluster?.stop();
    await Promise.all([database?.drop(), redis?.stop(), idp?.close(), attacker?.close()]);
  });

  /** Calls the store with this authorization header. */
  async function call(authorization: string) {
    const client = storeClient(cluster.store.address, { authorization });
    try {
      return await client.call("ThreadService", "SearchThreads", {});
    } finally {
      client.close();
    }
  }

  /** What Redis holds for this authorization header: nothing, or a rejection; never a user. */
  async function expectNotCachedAsValid(authorization: string) {
    const key = credentialKey(Buffer.from(secret, "utf8"), new Headers({ authorization }), ["authorization"]);
    const text = await admin.get(identityKey(key));
    if (text !== null) expect(JSON.parse(openIdentityEntry(Buffer.from(secret, "utf8"), identityKey(key), text)!)).toMatchObject({ kind: "rejected", status: 401 });
  }

  async function expectRefused(token: string) {
    const error = expectError(await call(`Bearer ${token}`));
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
    await expectNotCachedAsValid(`Bearer ${token}`);
    return error;
  }

  it("a well-signed JWT and the right static token pass, so the refusals below are about the tokens", async () => {
    expectOk(await call(`Bearer ${await idp.sign({ sub: "user1", aud: audience })}`));
    expectOk(await call(`Bearer ${staticToken}`));
  });

  it("alg none is refused, with the verifier's challenge passed through to the client", async () => {
    const error = await expectRefused(`${encode({ alg: "none", typ: "JWT" })}.${encode({ iss: idp.issuer, aud: audience, sub: "admin", exp: 9e9 })}.`);
    expect(error.metadata.get("www-authenticate")).toEqual(['Bearer realm="gatehouse", error="invalid_token", error_description="token algorithm not allowed"']);
  });

  it("an RS256 token re-signed as HS256 with the provider's public key is refused", async () => {
    const publicPem = createPublicKey({ key: idp.keys.current.publicJwk as never, format: "jwk" }).export({ type: "spki", format: "pem" });
    const input = `${encode({ alg: "HS256", kid: idp.keys.current.kid, typ: "JWT" })}.${encode({ iss: idp.issuer, aud: audience, sub: "admin", exp: 9e9 })}`;
    await expectRefused(`${input}.${createHmac("sha256", publicPem).update(input).digest("base64url")}`);
  });

  it("a token signed with a published key whose algorithm is outside the allow-list is refused", async () => {
    await expectRefused(await idp.sign({ sub: "user1", aud: audience }, { alg: "ES256" }));
  });

  it("a token with an unknown kid is refused", async () => {
    const stranger = await createSigningKey("RS256");
    await expectRefused(
      await new SignJWT({ iss: idp.issuer, aud: audience, sub: "admin", exp: now() + 60 }).setProtectedHeader({ alg: "RS256", kid: stranger.kid }).sign(stranger.privateKey),
    );
  });

  it("a token with an injected kid is refused", async () => {
    const stranger = await createSigningKey("RS256");
    await expectRefused(
      await new SignJWT({ iss: idp.issuer, aud: audience, sub: "admin", exp: now() + 60 })
        .setProtectedHeader({ alg: "RS256", kid: "../../../../dev/null' OR '1'='1" })
        .sign(stranger.privateKey),
    );
  });

  it.each(["jku", "x5u", "jwk"])("a token naming its own key through %s is refused, and nothing is fetched from it", async (header) => {
    const forged = await attacker.sign(
      { iss: idp.issuer, aud: audience, sub: "admin" },
      {
        header: {
          jku: { jku: attacker.jwksUrl },
          x5u: { x5u: `${attacker.issuer}/cert.pem` },
          jwk: { jwk: attacker.keys.current.publicJwk },
        }[header],
      },
    );
    await expectRefused(forged);
    expect(attacker.requests).toEqual([]);
  });

  it("an expired token is refused", async () => {
    await expectRefused(await idp.sign({ sub: "user1", aud: audience, exp: now() - 60 }));
  });

  it("a token whose nbf is in the future is refused", async () => {
    await expectRefused(await idp.sign({ sub: "user1", aud: audience, nbf: now() + 3600 }));
  });

  it("a token without exp is refused", async () => {
    await expectRefused(await idp.sign({ sub: "user1", aud: audience }, { expiresInSec: null }));
  });

  it("a token from another issuer is refused", async () => {
    await expectRefused(await idp.sign({ sub: "user1", aud: audience, iss: "https://evil.example" }));
  });

  it("a token for another audience is refused", async () => {
    await expectRefused(await idp.sign({ sub: "user1", aud: "another-api" }));
  });

  it.each([
    ["two segments", (t: string) => t.split(".").slice(0, 2).join(".")],
    ["four segments", (t: string) => `${t}.${t.split(".")[2]}`],
    ["a header that is not base64url", (t: string) => `e+y/J=.${t.split(".").slice(1).join(".")}`],
    ["a payload that is not JSON", (t: string) => { const [h, , s] = t.split("."); return `${h}.${base64url.encode("{")}.${s}`; }],
    ["a signature with one bit flipped", (t: string) => { const sig = base64url.decode(t.split(".")[2]!); sig[7]! ^= 1; return t.slice(0, t.lastIndexOf(".") + 1) + base64url.encode(sig); }],
  ])("a token with %s is refused", async (_, mangle) => {
    await expectRefused(mangle(await idp.sign({ sub: "user1", aud: audience })));
  });

  it("a static token off by one character is refused", async () => {
    await expectRefused(`${staticToken.slice(0, -1)}${staticToken.endsWith("0") ? "1" : "0"}`);
    await expectRefused(staticToken.slice(0, -1));
    await expectRefused(`${staticToken}0`);
  });

  it("a credential over the 8 KiB cap is UNAUTHENTICATED at the store, before anything parses it", async () => {
    const before = idp.requests.length;
    const error = expectError(await call(`Bearer ${"a".repeat(16 * 1024)}`));
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(error.details).toContain("too large");
    expect(idp.requests.length).toBe(before);
  });

  it("a 1 MB header is UNAUTHENTICATED at authn, and at the store it is refused by HTTP/2 before any Gatehouse code runs", async () => {
    const huge = `Bearer ${"a".repeat(1024 * 1024)}`;
    const direct = await authn.client.authenticate({ headers: { authorization: huge }, method: "POST", path: "/x.Y/Z" }).then(
      () => undefined,
      (error: { code: number; rawMessage: string }) => error,
    );
    expect(direct?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(direct?.rawMessage).toContain("longer than 8192 bytes");

    // grpc-js (nghttp2) resets a stream whose header block exceeds its limit, so no status
    // from the store can reach the client; what matters is that nothing gets through.
    const viaStore = expectError(await call(huge));
    expect([grpc.status.UNAUTHENTICATED, grpc.status.INTERNAL, grpc.status.RESOURCE_EXHAUSTED]).toContain(viaStore.code);
    await expectNotCachedAsValid(huge);
  });

  it("after the whole table, Redis holds no identity but the two valid tokens', and only the JWKS was ever fetched", async () => {
    const users = [...(await dumpRedis(admin))]
      .map(([key, text]) => (text === null ? undefined : openIdentityEntry(Buffer.from(secret, "utf8"), key, text)))
      .map((json) => (json === undefined ? undefined : (JSON.parse(json) as unknown)))
      .filter((entry) => isCachedIdentity(entry) && entry.kind === "user") as Array<{ user: { identity: string } }>;
    expect(users.map((entry) => entry.user.identity).sort()).toEqual(["ci-bot", "user1"]);
    expect(attacker.requests).toEqual([]);
    expect(new Set(idp.requests.map((request) => request.path))).toEqual(new Set(["/.well-known/jwks.json"]));
  });
});
