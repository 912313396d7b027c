import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { CallerService, ThreadService } from "@gatehouse/contracts";
import { ErrorReason, httpStatusError } from "@gatehouse/errors";
import type { UserRecord } from "@gatehouse/identity";
import { describe, expect, it } from "vitest";
import { authenticatedService } from "./authenticated-service.js";
import type { AccessGuard } from "./authorization.js";
import { callerServiceRoute } from "./caller-service.js";

const alice: UserRecord = { identity: "user1", display_name: "Alice", is_authenticated: true, permissions: ["chat"], org_id: "acme" };

/** A guard that authenticates as `authenticate` says and must never be asked to authorize. */
function guardOf(authenticate: AccessGuard["authenticate"]): AccessGuard {
  return {
    authenticate,
    authorize: () => Promise.reject(new Error("an authenticated-only RPC asked for authorization")),
  };
}

function callerClient(guard: AccessGuard) {
  const route = callerServiceRoute(guard);
  return createClient(CallerService, createRouterTransport((router) => router.service(route.service, route.impl)));
}

describe("authenticatedService", () => {
  it("GetCaller answers the user the credential belongs to, extra fields included", async () => {
    const { user } = await callerClient(guardOf(async () => alice)).getCaller({});
    expect(user).toMatchObject({ identity: "user1", displayName: "Alice", isAuthenticated: true, permissions: ["chat"], extra: { org_id: "acme" } });
  });

  it("a rejected credential fails with the callback's status and challenge", async () => {
    const rejected = guardOf(async () => {
      throw httpStatusError(401, ErrorReason.CREDENTIAL_REJECTED, "Invalid token", { "www-authenticate": 'Bearer error="invalid_token"' });
    });
    const error = await callerClient(rejected)
      .getCaller({})
      .catch((caught: unknown) => ConnectError.from(caught));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unauthenticated);
    expect((error as ConnectError).metadata.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  });

  it("a service whose methods declare auth events stops start-up: those must be authorized", () => {
    const anything = async () => ({});
    const methods = Object.fromEntries(ThreadService.methods.map((method) => [method.localName, anything]));
    expect(() => authenticatedService(ThreadService, guardOf(async () => alice), methods as never)).toThrow(
      /gatehouse\.store\.v1\.ThreadService\.CreateThread declares auth_event "threads:create", so it must be served through guardedService/,
    );
  });
});
