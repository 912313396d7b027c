import { resolve } from "node:path";
import { Writable } from "node:stream";
import { Code, ConnectError, createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import type { JsonObject } from "@bufbuild/protobuf";
import { buildHandlerTable, loadAuthModule } from "@gatehouse/auth";
import { AuthzService, Effect, type AuthorizeBatchResponse } from "@gatehouse/contracts";
import { errorInfoOf } from "@gatehouse/errors";
import { filterFromProto, parseFilter } from "@gatehouse/filters";
import { pino } from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { createAuthzService, maxBatchSize } from "./authz-service.js";

const user = (identity: string) => ({ identity, displayName: identity, isAuthenticated: true, permissions: [] });
const event = (identity: string, resource: string, action: string, value: JsonObject = {}, timeoutMs = 0) => ({
  user: user(identity),
  resource,
  action,
  value,
  timeoutMs,
});

let authz: Client<typeof AuthzService>;
const logged: Record<string, unknown>[] = [];
const outcomes: string[] = [];

beforeAll(async () => {
  const { handlers } = await loadAuthModule({ authFile: resolve(import.meta.dirname, "testing/decisions-auth.ts"), authExport: "auth" });
  const logger = pino({ level: "info" }, new Writable({ write: (chunk, _encoding, done) => (logged.push(JSON.parse(String(chunk))), done()) }));
  const impl = createAuthzService({
    table: buildHandlerTable(handlers),
    handlerTimeoutMs: 500,
    logger,
    onDecision: (name, outcome) => outcomes.push(`${name} ${outcome}`),
  });
  authz = createClient(AuthzService, createRouterTransport(({ service }) => service(AuthzService, impl)));
});

async function failure(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("expected the call to fail");
}

async function collect(stream: AsyncIterable<AuthorizeBatchResponse>): Promise<AuthorizeBatchResponse[]> {
  const responses: AuthorizeBatchResponse[] = [];
  for await (const response of stream) responses.push(response);
  return responses;
}

describe("AuthzService.Authorize", () => {
  it("allows with the handler's filter and returns the metadata it stamped", async () => {
    const { decision } = await authz.authorize(event("alice", "threads", "create", { metadata: { topic: "tea" } }));
    expect(decision?.effect).toBe(Effect.ALLOW);
    expect(decision?.handlerKey).toBe("threads:create");
    expect(decision?.metadata).toEqual({ topic: "tea", owner: "alice" });
    expect(filterFromProto(decision!.filter!)).toEqual(parseFilter({ owner: "alice" }));
    expect(outcomes).toContain("threads:create allow:filter");
  });

  it("allows every row when the handler returns nothing", async () => {
    const { decision } = await authz.authorize(event("alice", "threads", "search"));
    expect(decision?.effect).toBe(Effect.ALLOW);
    expect(decision?.filter).toBeUndefined();
  });

  it("denies with 403 Forbidden when the handler returns false", async () => {
    const { decision } = await authz.authorize(event("alice", "threads", "delete", { thread_id: "t1" }));
    expect(decision?.effect).toBe(Effect.DENY);
    expect(decision?.denial).toMatchObject({ httpStatus: 403, message: "Forbidden" });
  });

  it("answers an HTTPException as a deny with its status, message and headers", async () => {
    const { decision } = await authz.authorize(event("alice", "threads", "update", { thread_id: "t1" }));
    expect(decision?.effect).toBe(Effect.DENY);
    expect(decision?.denial).toMatchObject({ httpStatus: 412, message: "the thread changed", headers: { "x-precondition": "etag" } });
    const unpaid = await authz.authorize(event("unpaid", "threads", "update", { thread_id: "t1" }));
    expect(unpaid.decision?.denial).toMatchObject({ httpStatus: 402, message: "payment required" });
  });

  it("fails closed with a generic INTERNAL when the handler throws, and logs why", async () => {
    const error = await failure(authz.authorize(event("alice", "threads", "create_run", { thread_id: "t1" })));
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).toBe("the authorization handler failed");
    expect(errorInfoOf(error)).toMatchObject({ reason: "HANDLER_FAILED", domain: "gatehouse" });
    expect(logged).toContainEqual(expect.objectContaining({ identity: "alice", event: "threads:create_run", outcome: "error", reason: expect.stringContaining("policy database is down") }));
  });

  it("fails with DEADLINE_EXCEEDED when the handler runs past its budget", async () => {
    const started = performance.now();
    const error = await failure(authz.authorize(event("alice", "assistants", "read", { assistant_id: "a1" })));
    expect(error.code).toBe(Code.DeadlineExceeded);
    expect(errorInfoOf(error)?.reason).toBe("HANDLER_TIMED_OUT");
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("fails closed when the handler returns something that is not a result", async () => {
    const error = await failure(authz.authorize(event("alice", "assistants", "create")));
    expect(error.code).toBe(Code.Internal);
    expect(errorInfoOf(error)?.reason).toBe("HANDLER_FAILED");
  });

  it("fails closed when the handler leaves metadata that cannot be persisted", async () => {
    const error = await failure(authz.authorize(event("alice", "assistants", "update", { assistant_id: "a1", metadata: {} })));
    expect(error.code).toBe(Code.Internal);
    expect(errorInfoOf(error)?.reason).toBe("HANDLER_FAILED");
  });

  it("returns a store event's item address and value as the handler left them", async () => {
    const { decision } = await authz.authorize(event("alice", "store", "put", { namespace: ["notes"], key: "k1", value: { text: "hi" } }));
    expect(decision?.item).toMatchObject({ namespace: ["alice", "notes"], key: "k1", value: { text: "hi", owner: "alice" } });
    const read = await authz.authorize(event("alice", "store", "get", { namespace: ["notes"], key: "k1" }));
    expect(read.decision?.item).toMatchObject({ namespace: ["alice", "notes"], key: "k1" });
    expect(read.decision?.item?.value).toBeUndefined();
  });

  it("refuses an event that is not one, and a request without a user", async () => {
    const unknown = await failure(authz.authorize(event("alice", "threads", "fly")));
    expect(unknown.code).toBe(Code.InvalidArgument);
    expect(errorInfoOf(unknown)).toMatchObject({ reason: "INVALID_ARGUMENT", metadata: { field: "resource/action" } });
    const anonymous = await failure(authz.authorize({ resource: "threads", action: "read" }));
    expect(errorInfoOf(anonymous)).toMatchObject({ reason: "INVALID_ARGUMENT", metadata: { field: "user" } });
  });
});

describe("AuthzService.AuthorizeBatch", () => {
  it("answers every event by its index, each with its own decision or error", async () => {
    const requests = [
      event("alice", "threads", "create", { metadata: {} }),
      event("bob", "threads", "delete", { thread_id: "t1" }),
      event("carol", "threads", "create_run", { thread_id: "t1" }),
      event("dave", "threads", "update", { thread_id: "t1" }),
      event("erin", "threads", "fly"),
    ];
    const responses = await collect(authz.authorizeBatch({ requests }));
    expect(responses.map((response) => response.index).sort()).toEqual([0, 1, 2, 3, 4]);
    const byIndex = new Map(responses.map((response) => [response.index, response.result?.result]));
    expect(byIndex.get(0)).toMatchObject({ case: "decision", value: { effect: Effect.ALLOW, metadata: { owner: "alice" } } });
    expect(byIndex.get(1)).toMatchObject({ case: "decision", value: { effect: Effect.DENY, denial: { httpStatus: 403 } } });
    expect(byIndex.get(2)).toMatchObject({ case: "error", value: { code: Code.Internal, message: "the authorization handler failed" } });
    expect(byIndex.get(3)).toMatchObject({ case: "decision", value: { effect: Effect.DENY, denial: { httpStatus: 412 } } });
    expect(byIndex.get(4)).toMatchObject({ case: "error", value: { code: Code.InvalidArgument } });
  });

  it("sends each result as soon as its handler finishes, so a slow handler delays only its own", async () => {
    const started = performance.now();
    const arrivals: { index: number; ms: number }[] = [];
    const requests = [event("slow", "threads", "read"), event("alice", "threads", "read"), event("bob", "threads", "read")];
    for await (const response of authz.authorizeBatch({ requests })) arrivals.push({ index: response.index, ms: performance.now() - started });
    expect(arrivals.map((arrival) => arrival.index)).toEqual([1, 2, 0]);
    expect(arrivals[0]!.ms).toBeLessThan(150);
    expect(arrivals[2]!.ms).toBeGreaterThanOrEqual(250);
  });

  it("gives each event the budget it carries, failing only the event whose caller stops waiting", async () => {
    const requests = [event("slow", "threads", "read", {}, 20), event("alice", "threads", "read", {}, 20)];
    const responses = await collect(authz.authorizeBatch({ requests }));
    const byIndex = new Map(responses.map((response) => [response.index, response.result?.result]));
    expect(byIndex.get(0)).toMatchObject({ case: "error", value: { code: Code.DeadlineExceeded } });
    expect(byIndex.get(1)).toMatchObject({ case: "decision", value: { effect: Effect.ALLOW } });
  });

  it("keeps authz's own handler budget when an event says it waits longer", async () => {
    const [response] = await collect(authz.authorizeBatch({ requests: [event("alice", "assistants", "read", {}, 60_000)] }));
    expect(response?.result?.result).toMatchObject({ case: "error", value: { code: Code.DeadlineExceeded } });
  });

  it(`refuses a batch of more than ${maxBatchSize} events`, async () => {
    const requests = Array.from({ length: maxBatchSize + 1 }, () => event("alice", "threads", "search"));
    const error = await failure(collect(authz.authorizeBatch({ requests })));
    expect(error.code).toBe(Code.InvalidArgument);
  });
});
