import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTPException } from "@gatehouse/auth";
import { userinfoVerifier } from "./userinfo-verifier.js";
import { startIdentityProvider, type IdentityProvider } from "./testing/index.js";

const bearer = (token: string) => new Request("http://gatehouse/x", { headers: { authorization: `Bearer ${token}` } });
const failure = (outcome: Promise<unknown>) => outcome.then(() => undefined, (error: unknown) => error as HTTPException);

describe("userinfoVerifier", () => {
  let idp: IdentityProvider;
  let verify: ReturnType<typeof userinfoVerifier>;

  beforeAll(async () => {
    idp = await startIdentityProvider();
    verify = userinfoVerifier({ url: idp.userinfoUrl, headers: { apikey: "public-anon-key" } });
  });

  afterAll(() => idp?.close());

  it("returns the user the provider describes, from sub or, like Supabase, from id", async () => {
    expect(await verify(bearer(idp.issueOpaque({ sub: "user1", name: "Alice" })))).toEqual({ identity: "user1", display_name: "Alice", permissions: [] });
    expect(await verify(bearer(idp.issueOpaque({ id: "8d0f-uuid", email: "bob@example.com" })))).toMatchObject({ identity: "8d0f-uuid" });
  });

  it("carries an exp the provider returns", async () => {
    const exp = Math.floor(Date.now() / 1000) + 30;
    expect((await verify(bearer(idp.issueOpaque({ sub: "u", exp })))).expires_at).toBe(exp);
  });

  it("refuses a token the provider refuses", async () => {
    const token = idp.issueOpaque({ sub: "user1" });
    idp.deactivate(token);
    const error = await failure(verify(bearer(token)));
    expect(error?.status).toBe(401);
    expect(new Headers(error?.headers).get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("refuses an answer that names nobody", async () => {
    expect((await failure(verify(bearer(idp.issueOpaque({ email: "x@example.com" })))))?.status).toBe(401);
  });

  it("is a 503 when the provider fails, and a 503 within the budget when it hangs", async () => {
    const quick = userinfoVerifier({ url: idp.userinfoUrl, timeoutMs: 200 });
    const token = idp.issueOpaque({ sub: "u" });
    try {
      idp.outage = 502;
      expect((await failure(quick(bearer(token))))?.status).toBe(503);
      idp.outage = "hang";
      const started = Date.now();
      expect((await failure(quick(bearer(token))))?.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      idp.outage = undefined;
    }
  });
});
