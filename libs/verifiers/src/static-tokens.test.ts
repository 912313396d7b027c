import { describe, expect, it } from "vitest";
import { HTTPException } from "@gatehouse/auth";
import { staticTokens } from "./static-tokens.js";

const request = (authorization?: string) =>
  new Request("http://gatehouse/x", { headers: authorization === undefined ? {} : { authorization } });
const failure = (outcome: Promise<unknown>) => outcome.then(() => undefined, (error: unknown) => error as HTTPException);

describe("staticTokens", () => {
  const token = "gh_live_8f3a2c9d7e6b5a4c3d2e1f0a";
  const verify = staticTokens({ [token]: { identity: "ci-bot", permissions: ["threads:read"] }, "second-token-value": "ops" });

  it("maps a known token to its user", async () => {
    expect(await verify(request(`Bearer ${token}`))).toEqual({ identity: "ci-bot", permissions: ["threads:read"] });
    expect(await verify(request("Bearer second-token-value"))).toEqual({ identity: "ops" });
  });

  it.each([
    ["the last character changed", `${token.slice(0, -1)}b`],
    ["the first character changed", `X${token.slice(1)}`],
    ["one character short", token.slice(0, -1)],
    ["one character long", `${token}0`],
    ["a different case", token.toUpperCase()],
  ])("refuses a token with %s", async (_, guess) => {
    const error = await failure(verify(request(`Bearer ${guess}`)));
    expect(error).toBeInstanceOf(HTTPException);
    expect(error?.status).toBe(401);
    expect(new Headers(error?.headers).get("www-authenticate")).toBe('Bearer error="invalid_token", error_description="unknown token"');
  });

  it("hands out a copy, so a callback that changes the user cannot change the table", async () => {
    const first = await verify(request(`Bearer ${token}`));
    first.permissions!.push("threads:write");
    expect((await verify(request(`Bearer ${token}`))).permissions).toEqual(["threads:read"]);
  });

  it("does not echo the presented token in its answer", async () => {
    const error = await failure(verify(request(`Bearer ${token}x`)));
    expect(JSON.stringify({ message: error?.message, headers: error?.headers })).not.toContain(token);
  });

  it("reads the token from another header when told to", async () => {
    const apiKey = staticTokens({ k3y: "svc" }, { token: (r) => r.headers.get("x-api-key") });
    const withKey = new Request("http://gatehouse/x", { headers: { "x-api-key": "k3y" } });
    expect(await apiKey(withKey)).toEqual({ identity: "svc" });
  });

  it("refuses to be built without tokens or with an empty one", () => {
    expect(() => staticTokens({})).toThrow(/at least one token/);
    expect(() => staticTokens({ "": "nobody" })).toThrow(/non-empty/);
  });
});
