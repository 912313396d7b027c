/**
 * Trusted internal calls: with GATEHOUSE_TLS_* set, authn and authz answer
 * only callers that prove, with a client certificate signed by the Gatehouse
 * CA, that they are an allowed Gatehouse service (the store). The store's
 * clients notice nothing.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { AuthzService } from "@gatehouse/contracts";
import { errorInfoOf } from "@gatehouse/errors";
import {
  createGrpcTransport,
  generateCertificates,
  internalChannelCredentials,
  writeCertificates,
  type ClosableTransport,
  type GeneratedCertificates,
  type GrpcTransportOptions,
} from "@gatehouse/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { authnClient } from "../support/authn-client.js";
import { expectError, expectOk, grpc, storeClient, type StoreClient } from "../support/proto-client.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

type Credentials = NonNullable<GrpcTransportOptions["credentials"]>;

describe("internal calls with mutual TLS on", () => {
  let certsDir: string;
  let certs: GeneratedCertificates;
  let foreign: GeneratedCertificates;
  let gatehouse: TestGatehouse;
  let alice: StoreClient;
  let bob: StoreClient;
  const closers: Array<() => void> = [];

  beforeAll(async () => {
    certsDir = await mkdtemp(join(tmpdir(), "gatehouse-certs-"));
    certs = await generateCertificates();
    await writeCertificates(certsDir, certs);
    foreign = await generateCertificates({ services: ["store"] });
    gatehouse = await startTestGatehouse(fromRoot("gatehouse.json"), {}, undefined, { certsDir });
    alice = storeClient(gatehouse.storeAddress, { authorization: "Bearer user1-token" });
    bob = storeClient(gatehouse.storeAddress, { authorization: "Bearer user2-token" });
  });

  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  afterAll(async () => {
    alice?.close();
    bob?.close();
    await gatehouse?.stop();
    if (certsDir) await rm(certsDir, { recursive: true, force: true });
  });

  /** Client credentials trusting the Gatehouse CA for the server, presenting `pair` (or no certificate). */
  function withCertificate(pair?: { cert: string; key: string }): Credentials {
    const ca = Buffer.from(certs.ca.cert);
    if (pair === undefined) return grpc.credentials.createSsl(ca);
    return internalChannelCredentials({ ca, cert: Buffer.from(pair.cert), key: Buffer.from(pair.key) });
  }

  function authenticate(credentials: Credentials) {
    const authn = authnClient(gatehouse.cluster.authn.address, credentials);
    closers.push(authn.close);
    return authn.client.authenticate({ headers: { authorization: "Bearer user1-token" }, method: "POST", path: "/test" });
  }

  function authorize(credentials: Credentials) {
    const transport: ClosableTransport = createGrpcTransport({ target: gatehouse.cluster.authz.address, defaultTimeoutMs: 10_000, credentials });
    closers.push(() => transport.close());
    return createClient(AuthzService, transport).authorize({
      user: { identity: "user1", isAuthenticated: true },
      resource: "threads",
      action: "create",
      value: {},
    });
  }

  async function refusal(call: Promise<unknown>): Promise<ConnectError> {
    const error = await call.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    if (!(error instanceof ConnectError)) throw new Error(`expected a refusal, got ${String(error)}`);
    return error;
  }

  it("alice and bob use the store as usual while it calls authn and authz over mutual TLS", async () => {
    const { thread } = expectOk(await alice.call("ThreadService", "CreateThread", {}));
    expect(expectOk(await alice.call("ThreadService", "GetThread", { thread_id: thread.thread_id })).thread.thread_id).toBe(thread.thread_id);
    expect(expectError(await bob.call("ThreadService", "GetThread", { thread_id: thread.thread_id })).code).toBe(grpc.status.NOT_FOUND);
    const anonymous = storeClient(gatehouse.storeAddress, {});
    closers.push(() => anonymous.close());
    expect(expectError(await anonymous.call("ThreadService", "SearchThreads", {})).code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it("the store's certificate may call authn and authz directly", async () => {
    const store = withCertificate(certs.services.store);
    expect((await authenticate(store)).outcome).toMatchObject({ case: "user", value: { identity: "user1" } });
    expect((await authorize(store)).decision).toBeDefined();
  });

  it("a caller without a client certificate is refused by authn and authz during the TLS handshake", async () => {
    for (const call of [authenticate, authorize]) {
      const error = await refusal(call(withCertificate()));
      expect(error.code).toBe(Code.Unavailable);
      expect(error.rawMessage).toContain("certificate required");
    }
  });

  it("a certificate from another CA is refused during the TLS handshake even when it is named store", async () => {
    expect((await refusal(authenticate(withCertificate(foreign.services.store)))).code).toBe(Code.Unavailable);
    expect((await refusal(authorize(withCertificate(foreign.services.store)))).code).toBe(Code.Unavailable);
  });

  it("a certificate from the Gatehouse CA for a service that is not an allowed caller answers PERMISSION_DENIED", async () => {
    for (const call of [authenticate, authorize]) {
      for (const service of ["gateway", "authz", "authn"]) {
        const error = await refusal(call(withCertificate(certs.services[service])));
        expect(error.code).toBe(Code.PermissionDenied);
        expect(error.rawMessage).toBe(`caller "${service}" is not allowed to call this service`);
        expect(errorInfoOf(error)).toMatchObject({ reason: "CALLER_NOT_ALLOWED", domain: "gatehouse", metadata: { caller: service } });
      }
    }
  });

  it("a plaintext client is refused by authn and authz", async () => {
    const plaintext = grpc.credentials.createInsecure();
    expect((await refusal(authenticate(plaintext))).code).toBe(Code.Unavailable);
    expect((await refusal(authorize(plaintext))).code).toBe(Code.Unavailable);
  });
});
