import { Writable } from "node:stream";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { HTTPException, type AuthenticateCallback } from "@gatehouse/auth";
import { AuthnService } from "@gatehouse/contracts";
import { errorInfoOf } from "@gatehouse/errors";
import {
  createIdentityCache,
  createMemoryIdentityStore,
  credentialKey,
  type IdentityConfig,
  type SharedIdentityStore,
} from "@gatehouse/identity";
import { createAuthnService } from "./authn-service.js";

const identity: IdentityConfig = {
  secret: Buffer.from("authn-test-secret"),
  credentialHeaders: ["authorization"],
  ttlMs: 300_000,
  rejectionTtlMs: 5_000,
  l1TtlMs: 5_000,
  l1MaxEntries: 1_000,
  maxCredentialBytes: 8_192,
};
const path = "/gatehouse.store.v1.ThreadService/GetThread";
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` }, method: "POST", path });

/** A shared store that counts what reaches it, or fails every call when down. */
function observedStore(calls: { get: number; set: number }, down = false) {
  const inner = createMemoryIdentityStore();
  const fail = () => Promise.reject(new Error("identity cache is down"));
  const store: SharedIdentityStore = {
    ...inner,
    revocationHoldMs: inner.revocationHoldMs,
    get: (key) => (calls.get++, down ? fail() : inner.get(key)),
    set: (key, entry) => (calls.set++, down ? fail() : inner.set(key, entry)),
    revoke: (key) => (down ? fail() : inner.revoke(key)),
  };
  return { store, inner };
}

function logLines() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: pino({ level: "warn" }, stream) };
}

interface Harness {
  client: Client<typeof AuthnService>;
  calls: { callback: number; get: number; set: number };
  shared: SharedIdentityStore;
  lines: Array<Record<string, unknown>>;
}

async function harness(
  callback: AuthenticateCallback,
  options: { down?: boolean; l1TtlMs?: number; timeoutMs?: number; ttlMs?: number } = {},
): Promise<Harness> {
  const calls = { callback: 0, get: 0, set: 0 };
  const { store, inner } = observedStore(calls, options.down);
  const { lines, logger } = logLines();
  const cache = createIdentityCache({ shared: store, l1TtlMs: options.l1TtlMs ?? identity.l1TtlMs, l1MaxEntries: 1_000 });
  await cache.start();
  const service = createAuthnService({
    authenticate: (request) => {
      calls.callback += 1;
      return callback(request);
    },
    cache,
    identity: { ...identity, ttlMs: options.ttlMs ?? identity.ttlMs },
    logger,
    authenticateTimeoutMs: options.timeoutMs,
  });
  const client = createClient(AuthnService, createRouterTransport(({ service: serve }) => serve(AuthnService, service)));
  return { client, lines, shared: inner, calls };
}

async function connectError(outcome: Promise<unknown>): Promise<ConnectError> {
  const error = await outcome.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

const keyOf = (token: string) => credentialKey(identity.secret, new Headers({ authorization: `Bearer ${token}` }), ["authorization"]);

describe("AuthnService.Authenticate", () => {
  it("hands the callback the call's headers, method and full RPC path as a Fetch Request with a live signal", async () => {
    let seen: Request | undefined;
    const { client } = await harness((request) => {
      seen = request;
      return "user1";
    });
    await client.authenticate({ headers: { authorization: "Bearer t", "x-tenant": "acme", "user-agent": "grpc-node" }, method: "POST", path });
    expect(seen!.headers.get("authorization")).toBe("Bearer t");
    expect(seen!.headers.get("x-tenant")).toBe("acme");
    expect(seen!.headers.get("user-agent")).toBe("grpc-node");
    expect(seen!.method).toBe("POST");
    expect(new URL(seen!.url).pathname).toBe(path);
    expect(seen!.signal.aborted).toBe(false);
  });

  it("caches a user with expires_at until then, not for the full TTL, and keeps expires_at on the user as seconds", async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const { client, shared } = await harness(() => ({ identity: "user1", expires_at: expiresAt }));
    const response = await client.authenticate(bearer("jwt-like"));
    expect(timestampMs(response.expiresAt!)).toBe(expiresAt * 1000);
    expect((await shared.get(keyOf("jwt-like")))?.cacheUntil).toBe(expiresAt * 1000);
    expect(response.outcome.case === "user" && response.outcome.value.extra).toMatchObject({ expires_at: expiresAt });
  });

  it("accepts a Date as expires_at", async () => {
    const expiresAt = new Date(Date.now() + 60_000);
    const { client } = await harness(() => ({ identity: "user1", expires_at: expiresAt }));
    const response = await client.authenticate(bearer("dated"));
    expect(timestampMs(response.expiresAt!)).toBe(expiresAt.getTime());
  });

  it("lets a user whose expires_at has just passed through this once but caches nothing", async () => {
    const { client, calls, shared } = await harness(() => ({ identity: "user1", expires_at: Date.now() / 1000 - 1 }));
    expect((await client.authenticate(bearer("late"))).outcome.case).toBe("user");
    expect(await shared.get(keyOf("late"))).toBeUndefined();
    await client.authenticate(bearer("late"));
    expect(calls.callback).toBe(2);
  });

  it("fails closed with INTERNAL when expires_at is neither a Date nor a number, and says why in the log", async () => {
    const { client, lines } = await harness(() => ({ identity: "user1", expires_at: "tomorrow" }));
    const error = await connectError(client.authenticate(bearer("t")));
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).toBe("internal error");
    expect(JSON.stringify(lines)).toContain("expires_at as a string");
  });

  it("1000 concurrent calls with one cold credential run the callback once", async () => {
    const { client, calls } = await harness(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return "user1";
    });
    const responses = await Promise.all(Array.from({ length: 1_000 }, () => client.authenticate(bearer("cold"))));
    expect(responses.every((response) => response.outcome.case === "user")).toBe(true);
    expect(calls.callback).toBe(1);
  });

  it("caches a rejection briefly with its www-authenticate challenge", async () => {
    const { client, calls } = await harness(() => {
      throw new HTTPException(401, { message: "Invalid token", headers: { "www-authenticate": 'Bearer error="invalid_token"' } });
    });
    for (let call = 0; call < 3; call += 1) {
      const { outcome } = await client.authenticate(bearer("bad"));
      expect(outcome.case).toBe("rejection");
      expect(outcome.value).toMatchObject({ httpStatus: 401, message: "Invalid token", headers: { "www-authenticate": 'Bearer error="invalid_token"' } });
    }
    expect(calls.callback).toBe(1);
  });

  it("answers a 503 from the callback with UNAVAILABLE, caches nothing, and logs once per interval", async () => {
    const { client, calls, lines } = await harness(() => {
      throw new HTTPException(503, { message: "token introspection timed out" });
    });
    for (let call = 0; call < 20; call += 1) {
      const error = await connectError(client.authenticate(bearer(`outage-${call % 2}`)));
      expect(error.code).toBe(Code.Unavailable);
      expect(errorInfoOf(error)?.reason).toBe("IDENTITY_PROVIDER_UNAVAILABLE");
    }
    expect(calls.callback).toBe(20);
    expect(lines.filter((line) => line.msg === "authenticate gave no verdict")).toHaveLength(1);
  });

  it("cuts a callback off at its time budget with DEADLINE_EXCEEDED, aborts its signal, and verifies again next time", async () => {
    let signal: AbortSignal | undefined;
    const { client, calls } = await harness(
      (request) => {
        signal = request.signal;
        return new Promise(() => {});
      },
      { timeoutMs: 100 },
    );
    const started = Date.now();
    const error = await connectError(client.authenticate(bearer("slow")));
    expect(error.code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(signal?.aborted).toBe(true);
    await connectError(client.authenticate(bearer("slow")));
    expect(calls.callback).toBe(2);
  });

  it("refuses an oversized header before the cache or the callback sees anything", async () => {
    const { client, calls } = await harness(() => "user1");
    for (const size of [8_193, 1024 * 1024]) {
      const error = await connectError(client.authenticate(bearer("a".repeat(size))));
      expect(error.code).toBe(Code.Unauthenticated);
      expect(errorInfoOf(error)?.reason).toBe("CREDENTIAL_TOO_LARGE");
    }
    expect(calls).toEqual({ callback: 0, get: 0, set: 0 });
  });

  it("refuses a path that would change the callback's URL", async () => {
    const { client, calls } = await harness(() => "user1");
    for (const badPath of ["evil.example/x", "//evil.example/x"]) {
      const error = await connectError(client.authenticate({ headers: { authorization: "Bearer t" }, method: "POST", path: badPath }));
      expect(error.code).toBe(Code.InvalidArgument);
    }
    expect(calls.callback).toBe(0);
  });

  it("with the shared cache down, verifies every credential directly and keeps serving, and still refuses bad ones", async () => {
    const { client, calls } = await harness(
      (request) => {
        if (request.headers.get("authorization") !== "Bearer good") throw new HTTPException(401);
        return "user1";
      },
      { down: true, l1TtlMs: 0 },
    );
    for (let call = 0; call < 3; call += 1) {
      expect((await client.authenticate(bearer("good"))).outcome.case).toBe("user");
      expect((await client.authenticate(bearer("forged"))).outcome.case).toBe("rejection");
    }
    expect(calls.callback).toBe(6);
  });
});

describe("verdicts that depend on more than the credential", () => {
  const identityOf = (response: { outcome: { case?: string; value?: unknown } }) =>
    response.outcome.case === "user" ? (response.outcome.value as { identity: string }).identity : response.outcome.case;
  const withHeaders = (extra: Record<string, string>, requestPath = path) => ({
    headers: { authorization: "Bearer t", ...extra },
    method: "POST",
    path: requestPath,
  });

  it("a verdict that read a tenant header answers only requests with that tenant, and says so in a binding", async () => {
    const { client, calls } = await harness((request) => `user@${request.headers.get("x-tenant") ?? "none"}`);
    const acme = await client.authenticate(withHeaders({ "x-tenant": "acme" }));
    expect(identityOf(acme)).toBe("user@acme");
    expect(acme.binding).toMatchObject({ headers: ["x-tenant"], allHeaders: false, path: false });
    expect(identityOf(await client.authenticate(withHeaders({ "x-tenant": "acme", "x-other": "1" })))).toBe("user@acme");
    expect(calls.callback).toBe(1);
    expect(identityOf(await client.authenticate(withHeaders({ "x-tenant": "globex" })))).toBe("user@globex");
    expect(identityOf(await client.authenticate(withHeaders({})))).toBe("user@none");
    expect(identityOf(await client.authenticate(withHeaders({ "x-tenant": "acme" })))).toBe("user@acme");
    expect(calls.callback).toBe(4);
  });

  it("concurrent requests with one credential and different tenants each get their own verdict", async () => {
    const { client } = await harness(async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return `user@${request.headers.get("x-tenant")}`;
    });
    const tenants = ["a", "b", "a", "c", "b"];
    const answers = await Promise.all(tenants.map((tenant) => client.authenticate(withHeaders({ "x-tenant": tenant }))));
    expect(answers.map(identityOf)).toEqual(tenants.map((tenant) => `user@${tenant}`));
  });

  it("a rejection that read another header is bound to it too", async () => {
    const { client } = await harness((request) => {
      if (request.headers.get("x-forwarded-for") !== "10.0.0.1") throw new HTTPException(403, { message: "not from the office" });
      return "user1";
    });
    expect(identityOf(await client.authenticate(withHeaders({ "x-forwarded-for": "10.9.9.9" })))).toBe("rejection");
    expect(identityOf(await client.authenticate(withHeaders({ "x-forwarded-for": "10.0.0.1" })))).toBe("user1");
    expect(identityOf(await client.authenticate(withHeaders({ "x-forwarded-for": "10.9.9.9" })))).toBe("rejection");
  });

  it("a callback that reads only the credential is verified once, whatever else the requests carry", async () => {
    const { client, calls } = await harness((request) => `user-${request.headers.get("authorization")}`);
    for (const tenant of ["a", "b", "c"]) {
      const response = await client.authenticate(withHeaders({ "x-tenant": tenant }, `/gatehouse.store.v1.ThreadService/${tenant}`));
      expect(response.binding).toBeUndefined();
    }
    expect(calls.callback).toBe(1);
  });

  it("a callback that walks every header is bound to all of them except the per-call trace headers", async () => {
    const { client, calls } = await harness((request) => {
      const names: string[] = [];
      request.headers.forEach((_value, name) => names.push(name));
      return `user-${names.length}`;
    });
    await client.authenticate(withHeaders({ "x-a": "1", "x-request-id": "r1" }));
    await client.authenticate(withHeaders({ "x-a": "1", "x-request-id": "r2" }));
    expect(calls.callback).toBe(1);
    await client.authenticate(withHeaders({ "x-a": "2" }));
    expect(calls.callback).toBe(2);
  });

  it("a callback that reads the method is bound to the request line", async () => {
    const { client, calls } = await harness((request) => `user-${request.method}`);
    expect(identityOf(await client.authenticate(withHeaders({})))).toBe("user-POST");
    expect(identityOf(await client.authenticate({ ...withHeaders({}), method: "GET" }))).toBe("user-GET");
    expect(calls.callback).toBe(2);
  });

  it("a callback that reads the URL is bound to the path", async () => {
    const { client, calls } = await harness((request) => (new URL(request.url).pathname.endsWith("/GetThread") ? "reader" : "other"));
    expect(identityOf(await client.authenticate(withHeaders({})))).toBe("reader");
    expect(identityOf(await client.authenticate(withHeaders({}, "/gatehouse.store.v1.ThreadService/DeleteThread")))).toBe("other");
    expect(identityOf(await client.authenticate(withHeaders({})))).toBe("reader");
    expect(calls.callback).toBe(3);
  });
});

describe("AuthnService.RevokeCredential", () => {
  it("drops the identity from the shared cache and L1, so the next call verifies again", async () => {
    let valid = true;
    const { client, calls, shared } = await harness(() => {
      if (!valid) throw new HTTPException(401);
      return "user1";
    });
    await client.authenticate(bearer("t"));
    valid = false;
    expect(await client.revokeCredential({ headers: { authorization: "Bearer t" } })).toMatchObject({ removed: true });
    expect(await shared.get(keyOf("t"))).toBeUndefined();
    expect((await client.authenticate(bearer("t"))).outcome.case).toBe("rejection");
    expect(calls.callback).toBe(2);
  });

  it("answers UNAVAILABLE when the shared cache is down, so the caller knows to retry", async () => {
    const { client } = await harness(() => "user1", { down: true });
    const error = await connectError(client.revokeCredential({ headers: { authorization: "Bearer t" } }));
    expect(error.code).toBe(Code.Unavailable);
    expect(errorInfoOf(error)?.reason).toBe("IDENTITY_CACHE_UNAVAILABLE");
  });
});
