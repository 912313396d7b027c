import { describe, expect, it } from "vitest";
import { introspectionVerifier } from "./introspection-verifier.js";
import { jwtVerifier } from "./jwt-verifier.js";
import { userinfoVerifier } from "./userinfo-verifier.js";

describe("identity-provider URLs", () => {
  it.each([
    ["jwtVerifier", () => jwtVerifier({ jwksUrl: "http://idp.example/jwks", issuer: "i", audience: "a", algorithms: ["RS256"] })],
    ["introspectionVerifier", () => introspectionVerifier({ url: "http://idp.example/introspect", clientId: "c", clientSecret: "s" })],
    ["userinfoVerifier", () => userinfoVerifier({ url: "http://idp.example/userinfo" })],
  ])("%s refuses cleartext http to a host that is not loopback", (_name, build) => {
    expect(build).toThrow(/must be an https URL \(http only on loopback\)/);
  });

  it("accepts https anywhere and http on loopback", () => {
    expect(() => userinfoVerifier({ url: "https://idp.example/userinfo" })).not.toThrow();
    expect(() => userinfoVerifier({ url: "http://127.0.0.1:8080/userinfo" })).not.toThrow();
  });
});
