import { describe, expect, it } from "vitest";
import { credentialKey } from "./credential-key.js";

const secret = Buffer.from("test-secret");
const key = (headers: Record<string, string>, names = ["authorization"]) => credentialKey(secret, new Headers(headers), names);

describe("credentialKey", () => {
  it("is an HMAC that does not contain the token", () => {
    const token = "user1-token-with-some-length";
    const value = key({ authorization: `Bearer ${token}` });
    expect(value).toMatch(/^[0-9a-f]{64}$/);
    expect(value).not.toContain(token);
  });

  it("depends on the secret, so keys cannot be tested against guessed tokens without it", () => {
    const headers = new Headers({ authorization: "Bearer t" });
    expect(credentialKey(Buffer.from("a"), headers, ["authorization"])).not.toBe(credentialKey(Buffer.from("b"), headers, ["authorization"]));
  });

  it("tells a missing header from an empty one, and ignores headers that are not credential headers", () => {
    expect(key({})).not.toBe(key({ authorization: "" }));
    expect(key({ authorization: "Bearer t", "user-agent": "a" })).toBe(key({ authorization: "Bearer t", "user-agent": "b" }));
  });

  it("covers every configured credential header, in a way values cannot be shifted between them", () => {
    const names = ["authorization", "x-api-key"];
    expect(key({ authorization: "a", "x-api-key": "b" }, names)).not.toBe(key({ authorization: "ab", "x-api-key": "" }, names));
    expect(key({ authorization: "a", "x-api-key": "b" }, names)).not.toBe(key({ authorization: "b", "x-api-key": "a" }, names));
  });
});
