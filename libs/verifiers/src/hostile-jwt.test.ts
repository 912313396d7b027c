/**
 * The hostile-token table (issue 5) against jwtVerifier and a real identity
 * provider stand-in: every forged, altered, expired or malformed token is a
 * 401 with a challenge, and no request reaches any URL but the configured
 * JWKS.
 */
import { createHmac, createPublicKey, KeyObject, sign } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { base64url, SignJWT } from "jose";
import { HTTPException } from "@gatehouse/auth";
import { jwtVerifier } from "./jwt-verifier.js";
import { createSigningKey, startIdentityProvider, type IdentityProvider } from "./testing/index.js";

const audience = "gatehouse";
const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
const bearer = (token: string) => new Request("http://gatehouse/gatehouse.store.v1.ThreadService/GetThread", { headers: { authorization: `Bearer ${token}` } });

async function expectUnauthorized(outcome: Promise<unknown>): Promise<string> {
  const error = await outcome.then(
    (value) => {
      throw new Error(`expected a 401, got ${JSON.stringify(value)}`);
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(HTTPException);
  expect((error as HTTPException).status).toBe(401);
  const challenge = new Headers((error as HTTPException).headers).get("www-authenticate") ?? "";
  expect(challenge).toMatch(/^Bearer/);
  return challenge;
}

describe("jwtVerifier refuses hostile tokens", () => {
  let idp: IdentityProvider;
  let attacker: IdentityProvider;
  let verify: (request: Request) => Promise<unknown>;
  const fetched: string[] = [];

  beforeAll(async () => {
    [idp, attacker] = await Promise.all([startIdentityProvider(), startIdentityProvider()]);
    verify = jwtVerifier({ jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience, algorithms: ["RS256"], clockToleranceSec: 0 });
    // Warm the key set, so every row below starts from the same cached keys.
    await verify(bearer(await idp.sign({ sub: "user1", aud: audience })));
  });

  afterEach(() => vi.restoreAllMocks());

  afterAll(async () => {
    await Promise.all([idp?.close(), attacker?.close()]);
    // No row may have made the verifier fetch anything but the configured JWKS.
    expect(fetched.every((url) => url === idp.jwksUrl)).toBe(true);
    expect(attacker.requests).toEqual([]);
    expect(idp.requests.every((request) => request.path === "/.well-known/jwks.json")).toBe(true);
  });

  function watchFetch() {
    const original = globalThis.fetch;
    vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
      fetched.push(input instanceof Request ? input.url : String(input));
      return original(input, init);
    });
  }

  it("a well-signed token for the right issuer and audience passes and carries its exp", async () => {
    const token = await idp.sign({ sub: "user1", aud: audience, scope: "threads:read threads:write" }, { expiresInSec: 120 });
    const user = (await verify(bearer(token))) as Record<string, unknown>;
    expect(user).toMatchObject({ identity: "user1", permissions: ["threads:read", "threads:write"] });
    expect(user.expires_at).toBe(Math.floor(Date.now() / 1000) + 120);
  });

  it("alg none is refused", async () => {
    watchFetch();
    const token = `${encode({ alg: "none", typ: "JWT" })}.${encode({ iss: idp.issuer, aud: audience, sub: "admin", exp: 9e9 })}.`;
    expect(await expectUnauthorized(verify(bearer(token)))).toContain('error="invalid_token"');
  });

  it("alg none with a kid of a real key is refused", async () => {
    const token = `${encode({ alg: "none", kid: idp.keys.current.kid })}.${encode({ iss: idp.issuer, aud: audience, sub: "admin", exp: 9e9 })}.`;
    await expectUnauthorized(verify(bearer(token)));
  });

  it("an RS256 token re-signed as HS256 with the provider's public key is refused", async () => {
    watchFetch();
    const publicPem = createPublicKey({ key: idp.keys.current.publicJwk as never, format: "jwk" }).export({ type: "spki", format: "pem" });
    const signingInput = `${encode({ alg: "HS256", kid: idp.keys.current.kid, typ: "JWT" })}.${encode({ iss: idp.issuer, aud: audience, sub: "admin", exp: 9e9 })}`;
    for (const secret of [publicPem, JSON.stringify(idp.keys.current.publicJwk)]) {
      const signature = createHmac("sha256", secret).update(signingInput).digest("base64url");
      const challenge = await expectUnauthorized(verify(bearer(`${signingInput}.${signature}`)));
      expect(challenge).toContain("algorithm not allowed");
    }
  });

  it("a token signed with a published key whose algorithm is outside the allow-list is refused", async () => {
    const token = await idp.sign({ sub: "user1", aud: audience }, { alg: "ES256" });
    expect(await expectUnauthorized(verify(bearer(token)))).toContain("algorithm not allowed");
  });

  it("a token with an unknown kid is refused", async () => {
    const stranger = await createSigningKey("RS256");
    const token = await new SignJWT({ iss: idp.issuer, aud: audience, sub: "admin", exp: Math.floor(Date.now() / 1000) + 60 })
      .setProtectedHeader({ alg: "RS256", kid: stranger.kid })
      .sign(stranger.privateKey);
    expect(await expectUnauthorized(verify(bearer(token)))).toContain("signing key unknown");
  });

  it.each([["../../../../etc/passwd"], ["' OR '1'='1"], ["\u0000"], [""]])("an injected kid %j is refused", async (kid) => {
    const stranger = await createSigningKey("RS256");
    const token = await new SignJWT({ iss: idp.issuer, aud: audience, sub: "admin", exp: Math.floor(Date.now() / 1000) + 60 })
      .setProtectedHeader({ alg: "RS256", kid })
      .sign(stranger.privateKey);
    await expectUnauthorized(verify(bearer(token)));
  });

  it("a token signed by another key under the kid of a real key is refused", async () => {
    const stranger = await createSigningKey("RS256");
    const token = await new SignJWT({ iss: idp.issuer, aud: audience, sub: "admin", exp: Math.floor(Date.now() / 1000) + 60 })
      .setProtectedHeader({ alg: "RS256", kid: idp.keys.current.kid })
      .sign(stranger.privateKey);
    expect(await expectUnauthorized(verify(bearer(token)))).toContain("signature invalid");
  });

  it.each(["jku", "x5u", "jwk"])("a token naming its own key through %s is refused without any fetch of it", async (header) => {
    watchFetch();
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
    await expectUnauthorized(verify(bearer(forged)));
    expect(attacker.requests).toEqual([]);
    expect(fetched.filter((url) => url !== idp.jwksUrl)).toEqual([]);
  });

  it("an expired token is refused", async () => {
    const token = await idp.sign({ sub: "user1", aud: audience, exp: Math.floor(Date.now() / 1000) - 60 });
    expect(await expectUnauthorized(verify(bearer(token)))).toContain("token expired");
  });

  it("a token whose nbf is in the future is refused", async () => {
    const token = await idp.sign({ sub: "user1", aud: audience, nbf: Math.floor(Date.now() / 1000) + 3600 });
    expect(await expectUnauthorized(verify(bearer(token)))).toContain("not yet valid");
  });

  it("a token without exp is refused", async () => {
    const token = await idp.sign({ sub: "user1", aud: audience }, { expiresInSec: null });
    expect(await expectUnauthorized(verify(bearer(token)))).toContain("exp claim invalid");
  });

  it("a token from another issuer is refused", async () => {
    const token = await idp.sign({ sub: "user1", aud: audience, iss: "https://evil.example" });
    expect(await expectUnauthorized(verify(bearer(token)))).toContain("iss claim invalid");
  });

  it("a token for another audience is refused", async () => {
    const token = await idp.sign({ sub: "user1", aud: "another-api" });
    expect(await expectUnauthorized(verify(bearer(token)))).toContain("aud claim invalid");
  });

  it("a token without a subject is refused", async () => {
    const token = await idp.sign({ aud: audience });
    expect(await expectUnauthorized(verify(bearer(token)))).toContain("names no subject");
  });

  it.each([
    ["two segments", (t: string) => t.split(".").slice(0, 2).join(".")],
    ["four segments", (t: string) => `${t}.${t.split(".")[2]}`],
    ["an empty signature", (t: string) => t.split(".").slice(0, 2).join(".") + "."],
    ["a header that is not base64url", (t: string) => `e+y/J=.${t.split(".").slice(1).join(".")}`],
    ["a payload that is not base64url", (t: string) => { const [h, , s] = t.split("."); return `${h}.e+y/J.${s}`; }],
    ["a header that is not JSON", (t: string) => `${base64url.encode("not json")}.${t.split(".").slice(1).join(".")}`],
    ["a payload that is not JSON", (t: string) => { const [h, , s] = t.split("."); return `${h}.${base64url.encode("[1,")}.${s}`; }],
    ["a payload that is a JSON array", (t: string) => { const [h, , s] = t.split("."); return `${h}.${encode([1])}.${s}`; }],
    ["a signature that is not base64url", (t: string) => t.slice(0, t.lastIndexOf(".") + 1) + "++//"],
    ["a flipped signature bit", (t: string) => { const sig = base64url.decode(t.split(".")[2]!); sig[0]! ^= 1; return t.slice(0, t.lastIndexOf(".") + 1) + base64url.encode(sig); }],
    ["only dots", () => ".."],
  ])("a token with %s is refused", async (_, mangle) => {
    const token = await idp.sign({ sub: "user1", aud: audience });
    await expectUnauthorized(verify(bearer(mangle(token))));
  });

  it("a 1 MB header is refused before it is parsed and no key is fetched", async () => {
    watchFetch();
    const before = idp.requests.length;
    const challenge = await expectUnauthorized(verify(bearer(`${"a".repeat(1024 * 1024)}.b.c`)));
    expect(challenge).toContain("invalid_request");
    expect(idp.requests.length).toBe(before);
  });

  it("a token with an unknown critical header is refused", async () => {
    // jose will not even sign this, so sign it by hand with the provider's real key.
    const header = { alg: "RS256", kid: idp.keys.current.kid, crit: ["x-gatehouse"], "x-gatehouse": 1 };
    const input = `${encode(header)}.${encode({ iss: idp.issuer, aud: audience, sub: "user1", exp: Math.floor(Date.now() / 1000) + 60 })}`;
    const signature = sign("sha256", Buffer.from(input), KeyObject.from(idp.keys.current.privateKey)).toString("base64url");
    await expectUnauthorized(verify(bearer(`${input}.${signature}`)));
  });
});
