import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTPException } from "@gatehouse/auth";
import { introspectionVerifier } from "./introspection-verifier.js";
import { startIdentityProvider, type IdentityProvider } from "./testing/index.js";

const bearer = (token: string) => new Request("http://gatehouse/x", { headers: { authorization: `Bearer ${token}` } });
const failure = (outcome: Promise<unknown>) => outcome.then(() => undefined, (error: unknown) => error as HTTPException);

describe("introspectionVerifier", () => {
  let idp: IdentityProvider;
  let verify: ReturnType<typeof introspectionVerifier>;

  beforeAll(async () => {
    idp = await startIdentityProvider({ clients: { gatehouse: "s3cret:with+chars" } });
    verify = introspectionVerifier({ url: idp.introspectionUrl, clientId: "gatehouse", clientSecret: "s3cret:with+chars" });
  });

  afterAll(() => idp?.close());

  it("accepts an active token and carries its exp", async () => {
    const exp = Math.floor(Date.now() / 1000) + 90;
    const token = idp.issueOpaque({ sub: "user1", scope: "threads:read", exp });
    expect(await verify(bearer(token))).toEqual({ identity: "user1", permissions: ["threads:read"], expires_at: exp });
  });

  it("sends the token in a POST body with Basic client authentication, never in the URL", async () => {
    const token = idp.issueOpaque({ sub: "user1" });
    const before = idp.count("/introspect", "gatehouse");
    await verify(bearer(token));
    expect(idp.count("/introspect", "gatehouse")).toBe(before + 1);
    expect(idp.requests.at(-1)).toEqual({ method: "POST", path: "/introspect", clientId: "gatehouse" });
  });

  it("authenticates the client in the form when told to", async () => {
    const post = introspectionVerifier({ url: idp.introspectionUrl, clientId: "gatehouse", clientSecret: "s3cret:with+chars", clientAuth: "post" });
    await expect(post(bearer(idp.issueOpaque({ sub: "user2" })))).resolves.toMatchObject({ identity: "user2" });
  });

  it("refuses a token the provider calls inactive", async () => {
    const token = idp.issueOpaque({ sub: "user1" });
    idp.deactivate(token);
    const error = await failure(verify(bearer(token)));
    expect(error?.status).toBe(401);
    expect(new Headers(error?.headers).get("www-authenticate")).toContain("token not active");
  });

  it("refuses a token the provider never issued", async () => {
    expect((await failure(verify(bearer("never-issued"))))?.status).toBe(401);
  });

  it("refuses an answer whose active is truthy but not the boolean true", async () => {
    const token = idp.issueOpaque({ sub: "user1", active: "true" });
    expect((await failure(verify(bearer(token))))?.status).toBe(401);
  });

  it("refuses an active token whose exp has passed or whose nbf is ahead", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await failure(verify(bearer(idp.issueOpaque({ sub: "u", exp: now - 60 })))))?.status).toBe(401);
    expect((await failure(verify(bearer(idp.issueOpaque({ sub: "u", nbf: now + 3600 })))))?.status).toBe(401);
  });

  it("refuses a token for another audience or issuer when they are configured", async () => {
    const strict = introspectionVerifier({
      url: idp.introspectionUrl,
      clientId: "gatehouse",
      clientSecret: "s3cret:with+chars",
      audience: "gatehouse",
      issuer: idp.issuer,
    });
    await expect(strict(bearer(idp.issueOpaque({ sub: "u", aud: ["gatehouse", "x"], iss: idp.issuer })))).resolves.toMatchObject({ identity: "u" });
    expect((await failure(strict(bearer(idp.issueOpaque({ sub: "u", aud: "other", iss: idp.issuer })))))?.status).toBe(401);
    expect((await failure(strict(bearer(idp.issueOpaque({ sub: "u", aud: "gatehouse", iss: "https://evil" })))))?.status).toBe(401);
  });

  it("is a 503 when its client credentials are refused, since that says nothing about the token", async () => {
    const wrong = introspectionVerifier({ url: idp.introspectionUrl, clientId: "gatehouse", clientSecret: "wrong" });
    expect((await failure(wrong(bearer(idp.issueOpaque({ sub: "u" })))))?.status).toBe(503);
  });

  it("is a 503 when the provider fails or hangs past the time budget", async () => {
    const quick = introspectionVerifier({ url: idp.introspectionUrl, clientId: "gatehouse", clientSecret: "s3cret:with+chars", timeoutMs: 200 });
    const token = idp.issueOpaque({ sub: "u" });
    try {
      idp.outage = 500;
      expect((await failure(quick(bearer(token))))?.status).toBe(503);
      idp.outage = "hang";
      const started = Date.now();
      expect((await failure(quick(bearer(token))))?.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      idp.outage = undefined;
    }
  });

  it("stops waiting for the provider when the request's signal aborts", async () => {
    const token = idp.issueOpaque({ sub: "u" });
    idp.outage = "hang";
    try {
      const request = new Request("http://gatehouse/x", { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(100) });
      const started = Date.now();
      expect((await failure(verify(request)))?.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      idp.outage = undefined;
    }
  });
});
