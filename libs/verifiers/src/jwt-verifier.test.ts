import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { HTTPException } from "@gatehouse/auth";
import { jwtVerifier } from "./jwt-verifier.js";
import { createSigningKey, startIdentityProvider, type IdentityProvider } from "./testing/index.js";

const audience = "gatehouse";
const bearer = (token: string) => new Request("http://gatehouse/x", { headers: { authorization: `Bearer ${token}` } });
const failure = (outcome: Promise<unknown>) => outcome.then(() => undefined, (error: unknown) => error as HTTPException);
const jwksFetches = (idp: IdentityProvider) => idp.count("/.well-known/jwks.json");

describe("jwtVerifier against a JWKS URL", () => {
  let idp: IdentityProvider;

  beforeAll(async () => {
    idp = await startIdentityProvider();
  });

  afterAll(() => idp?.close());

  it("after a key rotation, tokens from the new key verify, and the retired key stops verifying once the set is refetched", async () => {
    const verify = jwtVerifier({ jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience, algorithms: ["RS256"], jwksCooldownMs: 0 });
    const before = await idp.sign({ sub: "user1", aud: audience });
    await expect(verify(bearer(before))).resolves.toMatchObject({ identity: "user1" });

    await idp.rotate(true);
    const after = await idp.sign({ sub: "user1", aud: audience });
    await expect(verify(bearer(after))).resolves.toMatchObject({ identity: "user1" });
    const refused = await failure(verify(bearer(before)));
    expect(refused?.status).toBe(401);
  });

  it("a flood of unknown kids refetches the key set at most once per cool-down", async () => {
    const verify = jwtVerifier({ jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience, algorithms: ["RS256"], jwksCooldownMs: 60_000 });
    await verify(bearer(await idp.sign({ sub: "user1", aud: audience })));
    const fetchesBefore = jwksFetches(idp);
    const stranger = await createSigningKey("RS256");
    const forged = await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        new SignJWT({ iss: idp.issuer, aud: audience, sub: "x", exp: Math.floor(Date.now() / 1000) + 60 })
          .setProtectedHeader({ alg: "RS256", kid: `forged-${n}` })
          .sign(stranger.privateKey),
      ),
    );
    const outcomes = await Promise.all(forged.map((token) => failure(verify(bearer(token)))));
    expect(outcomes.every((error) => error?.status === 401)).toBe(true);
    expect(jwksFetches(idp) - fetchesBefore).toBe(0);
  });

  it("a key set that cannot be fetched is a 503, not a verdict on the token", async () => {
    const verify = jwtVerifier({ jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience, algorithms: ["RS256"] });
    const token = await idp.sign({ sub: "user1", aud: audience });
    idp.outage = 500;
    try {
      const error = await failure(verify(bearer(token)));
      expect(error).toBeInstanceOf(HTTPException);
      expect(error?.status).toBe(503);
    } finally {
      idp.outage = undefined;
    }
    await expect(verify(bearer(token))).resolves.toMatchObject({ identity: "user1" });
  });

  it("a key set endpoint that hangs is a 503 within the fetch time budget", async () => {
    const verify = jwtVerifier({ jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience, algorithms: ["RS256"], jwksTimeoutMs: 200 });
    idp.outage = "hang";
    const started = Date.now();
    try {
      const error = await failure(verify(bearer(await idp.sign({ sub: "user1", aud: audience }))));
      expect(error?.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      idp.outage = undefined;
    }
  });

  it("an unreachable key set endpoint is a 503", async () => {
    const verify = jwtVerifier({ jwksUrl: "http://127.0.0.1:1/jwks.json", issuer: idp.issuer, audience, algorithms: ["RS256"] });
    const error = await failure(verify(bearer(await idp.sign({ sub: "user1", aud: audience }))));
    expect(error?.status).toBe(503);
  });

  it("a custom toUser adds claims, and its own expires_at can shorten but never extend the token's", async () => {
    const now = Math.floor(Date.now() / 1000);
    const verify = jwtVerifier({
      jwksUrl: idp.jwksUrl,
      issuer: idp.issuer,
      audience,
      algorithms: ["RS256"],
      toUser: (claims) => ({ identity: String(claims.sub), org_id: claims.org_id, expires_at: Number(claims.session_end) }),
    });
    const longSession = await idp.sign({ sub: "u", aud: audience, org_id: "acme", session_end: now + 10_000 }, { expiresInSec: 60 });
    expect(await verify(bearer(longSession))).toEqual({ identity: "u", org_id: "acme", expires_at: now + 60 });
    const shortSession = await idp.sign({ sub: "u", aud: audience, org_id: "acme", session_end: now + 10 }, { expiresInSec: 60 });
    expect((await verify(bearer(shortSession))).expires_at).toBe(now + 10);
  });

  it("a token read from a custom header verifies like a bearer token", async () => {
    const verify = jwtVerifier({
      jwksUrl: idp.jwksUrl,
      issuer: idp.issuer,
      audience,
      algorithms: ["RS256"],
      token: (request) => request.headers.get("x-api-token"),
    });
    const request = new Request("http://gatehouse/x", { headers: { "x-api-token": await idp.sign({ sub: "u", aud: audience }) } });
    await expect(verify(request)).resolves.toMatchObject({ identity: "u" });
    expect((await failure(verify(new Request("http://gatehouse/x"))))?.status).toBe(401);
  });
});

describe("jwtVerifier with a fixed key set", () => {
  it("verifies against the given keys without any network call", async () => {
    const idp = await startIdentityProvider();
    try {
      const verify = jwtVerifier({ keySet: idp.keys.jwks(), issuer: idp.issuer, audience, algorithms: ["RS256"] });
      await expect(verify(bearer(await idp.sign({ sub: "user1", aud: audience })))).resolves.toMatchObject({ identity: "user1" });
      expect(idp.requests).toEqual([]);
    } finally {
      await idp.close();
    }
  });
});

describe("jwtVerifier refuses unsafe configurations when it is built", () => {
  const base = { jwksUrl: "https://idp.example/jwks.json", issuer: "https://idp.example", audience };

  it.each([
    ["no algorithms", { ...base, algorithms: [] }, /algorithms must list/],
    ["alg none", { ...base, algorithms: ["none"] }, /"none" is not accepted/],
    ["an HMAC algorithm", { ...base, algorithms: ["HS256"] }, /"HS256" is not accepted/],
    ["both a URL and a key set", { ...base, keySet: { keys: [] }, algorithms: ["RS256"] }, /exactly one of jwksUrl and keySet/],
    ["neither a URL nor a key set", { ...base, jwksUrl: undefined, algorithms: ["RS256"] }, /exactly one of jwksUrl and keySet/],
    ["a file URL", { ...base, jwksUrl: "file:///etc/jwks.json", algorithms: ["RS256"] }, /must be an https URL/],
    ["no issuer", { ...base, issuer: "", algorithms: ["RS256"] }, /issuer is required/],
    ["no audience", { ...base, audience: [], algorithms: ["RS256"] }, /audience is required/],
    ["a realm with a quote", { ...base, algorithms: ["RS256"], realm: 'a"b' }, /realm/],
  ])("%s", (_, options, message) => {
    expect(() => jwtVerifier(options as never)).toThrow(message);
  });
});
