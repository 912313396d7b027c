import { describe, expect, it } from "vitest";
import { HTTPException } from "@gatehouse/auth";
import { bearerToken } from "./bearer-token.js";

const request = (authorization?: string) =>
  new Request("http://gatehouse/x", { headers: authorization === undefined ? {} : { authorization } });

function challengeOf(authorization: string | undefined, realm?: string): string | null {
  try {
    bearerToken(request(authorization), realm === undefined ? {} : { realm });
  } catch (error) {
    expect(error).toBeInstanceOf(HTTPException);
    expect((error as HTTPException).status).toBe(401);
    return new Headers((error as HTTPException).headers).get("www-authenticate");
  }
  throw new Error("expected a 401");
}

describe("bearerToken", () => {
  it("returns the token of a Bearer header, whatever the scheme's case", () => {
    expect(bearerToken(request("Bearer abc.DEF-_~+/=="))).toBe("abc.DEF-_~+/==");
    expect(bearerToken(request("bearer abc"))).toBe("abc");
  });

  it("answers a missing header with a bare challenge, as RFC 6750 asks", () => {
    expect(challengeOf(undefined)).toBe("Bearer");
    expect(challengeOf(undefined, "gatehouse")).toBe('Bearer realm="gatehouse"');
  });

  it.each([["Basic dXNlcjpwdw=="], ["Bearer"], ["Bearer a b"], ["Bearer a,b"], ["Bearer =abc"], ["Bearerabc"]])(
    "answers %j with invalid_request",
    (header) => {
      expect(challengeOf(header)).toContain('error="invalid_request"');
    },
  );

  it("refuses an oversized header by its length, before matching it", () => {
    expect(challengeOf(`Bearer ${"a".repeat(8_193)}`)).toContain("credential too large");
  });
});
