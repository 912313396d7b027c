/**
 * examples/jwt runs as an operator would run it: authn as a process, the
 * provider named by environment variables, real tokens from a provider
 * stand-in on loopback.
 */
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServiceProcess, type ServiceProcess } from "@gatehouse/launcher";
import { startIdentityProvider, type IdentityProvider } from "@gatehouse/verifiers/testing";
import { authnClient, type AuthnClient } from "../support/authn-client.js";
import { fromRoot } from "../support/test-gatehouse.js";

const path = "/gatehouse.store.v1.ThreadService/SearchThreads";

describe("examples/jwt", () => {
  let idp: IdentityProvider;
  let authn: ServiceProcess;
  let client: AuthnClient;

  beforeAll(async () => {
    idp = await startIdentityProvider();
    authn = await startServiceProcess({
      name: "authn",
      env: {
        GATEHOUSE_CONFIG: fromRoot("examples/jwt/gatehouse.json"),
        AUTHN_PORT: "0",
        REDIS_URL: "",
        LOG_LEVEL: "silent",
        JWT_JWKS_URL: idp.jwksUrl,
        JWT_ISSUER: idp.issuer,
        JWT_AUDIENCE: "chat-api",
      },
    });
    client = authnClient(authn.address);
  });

  afterAll(async () => {
    client?.close();
    await authn?.stop();
    await idp?.close();
  });

  it("authenticates a token from the configured provider and caches it no longer than its exp", async () => {
    const token = await idp.sign({ sub: "user1", aud: "chat-api", scope: "threads:write" }, { expiresInSec: 60 });
    const response = await client.client.authenticate({ headers: { authorization: `Bearer ${token}` }, method: "POST", path });
    expect(response.outcome.case === "user" && response.outcome.value).toMatchObject({ identity: "user1", permissions: ["threads:write"] });
    expect(timestampMs(response.expiresAt!)).toBeLessThanOrEqual((Math.floor(Date.now() / 1000) + 60) * 1000);
  });

  it("rejects a token for another audience with an RFC 6750 challenge", async () => {
    const token = await idp.sign({ sub: "user1", aud: "another-api" });
    const { outcome } = await client.client.authenticate({ headers: { authorization: `Bearer ${token}` }, method: "POST", path });
    expect(outcome.case).toBe("rejection");
    expect(outcome.value).toMatchObject({ httpStatus: 401, headers: { "www-authenticate": 'Bearer error="invalid_token", error_description="token aud claim invalid"' } });
  });

  it("refuses to start without its provider settings, and names the missing one", async () => {
    const error = await startServiceProcess({
      name: "authn",
      env: { GATEHOUSE_CONFIG: fromRoot("examples/jwt/gatehouse.json"), AUTHN_PORT: "0", JWT_JWKS_URL: "", JWT_ISSUER: "", JWT_AUDIENCE: "" },
    }).then(
      async (started) => {
        await started.stop();
        return undefined;
      },
      (reason: Error) => reason,
    );
    expect(error?.message).toContain("JWT_JWKS_URL must be set");
  });
});
