/**
 * Every store RPC, found from the service descriptors, against the real
 * routes in memory: with a rejected credential nothing is asked or read;
 * without authz's permission nothing reaches the database, and with it
 * every RPC that raises an auth event does; an RPC that raises none
 * (CallerService) answers without asking authz or reading anything. A new
 * RPC is covered as soon as it is in a descriptor; one whose request needs
 * a value this table lacks fails here, naming the field.
 */
import { randomUUID } from "node:crypto";
import { create, getOption, type DescMessage, type DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { AssistantService, auth_event, CallerService, CreateRunRequestSchema, CronService, ItemService, RunService, ThreadService } from "@gatehouse/contracts";
import { ErrorReason, httpStatusError } from "@gatehouse/errors";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { Database } from "./sql/database.js";
import { createInMemoryStore, type AuthzAnswer } from "./testing/in-memory-store.js";

/** A valid value for each request field that needs one, by field name. */
const validValues: Record<string, () => unknown> = {
  thread_id: () => randomUUID(),
  thread_ids: () => [randomUUID()],
  assistant_id: () => randomUUID(),
  run_id: () => randomUUID(),
  cron_id: () => randomUUID(),
  graph_id: () => "agent",
  namespace: () => ["n"],
  key: () => "k",
  schedule: () => "* * * * *",
  version: () => 1,
  run_ids: () => [randomUUID()],
  run: () => create(CreateRunRequestSchema, { threadId: randomUUID(), assistantId: randomUUID() }),
};

function validRequest(input: DescMessage) {
  const init: Record<string, unknown> = {};
  for (const field of input.fields) {
    const value = validValues[field.name];
    if (value !== undefined) init[field.localName] = value();
  }
  return create(input, init);
}

const services = [ThreadService, AssistantService, RunService, ItemService, CronService, CallerService];
const methods: DescMethod[] = services.flatMap((service) => service.methods);
// The RPCs that raise an auth event, and those that only say who is calling.
const guarded = methods.filter((method) => getOption(method, auth_event) !== "");
const authenticatedOnly = methods.filter((method) => getOption(method, auth_event) === "");
const named = (list: DescMethod[]) => list.map((method) => [`${method.parent.name}.${method.name}`, method] as const);

/** An authentication that refuses every credential, as authn answers an unknown token. */
const rejectEveryone = async (): Promise<never> => {
  throw httpStatusError(401, ErrorReason.CREDENTIAL_REJECTED, "Invalid token", { "www-authenticate": "Bearer" });
};

/** A pool to nowhere that counts what asks it for a connection or a query. */
function countingPool(): { db: Database; touches: () => number; end: () => Promise<void> } {
  const pool = new pg.Pool({ host: "127.0.0.1", port: 1, connectionTimeoutMillis: 500, max: 1 });
  let touches = 0;
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  Object.assign(pool, {
    query: (...args: unknown[]) => {
      touches += 1;
      return query(...args);
    },
    connect: (...args: unknown[]) => {
      touches += 1;
      return connect(...args);
    },
  });
  return { db: pool, touches: () => touches, end: () => pool.end() };
}

async function call(method: DescMethod, transport: ReturnType<typeof createInMemoryStore>["transport"]): Promise<ConnectError | undefined> {
  const client = createClient(method.parent, transport) as unknown as Record<string, (request: unknown) => unknown>;
  try {
    const answer = client[method.localName]!(validRequest(method.input));
    if (method.methodKind === "server_streaming") {
      for await (const message of answer as AsyncIterable<unknown>) void message;
    } else {
      await answer;
    }
    return undefined;
  } catch (error) {
    return ConnectError.from(error);
  }
}

describe("every store RPC authenticates, and every one that raises an event is authorized", () => {
  const pools: Array<{ end: () => Promise<void> }> = [];
  /** A counting pool that is ended after the suite. */
  const newPool = () => {
    const pool = countingPool();
    pools.push(pool);
    return pool;
  };
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
  });

  it("the descriptors list the RPCs this test covers", () => {
    expect(guarded.length).toBeGreaterThanOrEqual(31);
    expect(authenticatedOnly.map((method) => method.name)).toEqual(["GetCaller"]);
  });

  it("the table covers every service the store serves", () => {
    const pool = newPool();
    const served = createInMemoryStore(pool.db, () => "allow").services.map((service) => service.typeName);
    expect(served.sort()).toEqual(services.map((service) => service.typeName).sort());
  });

  describe("when the credential is rejected", () => {
    it.each(named(methods))("%s answers UNAUTHENTICATED without asking authz or reading anything", async (_name, method) => {
      const pool = newPool();
      const store = createInMemoryStore(pool.db, () => "allow", {}, rejectEveryone);
      const error = await call(method, store.transport);
      expect(error?.code, error?.rawMessage).toBe(Code.Unauthenticated);
      expect(error?.metadata.get("www-authenticate")).toBe("Bearer");
      expect(store.asked).toEqual([]);
      expect(pool.touches()).toBe(0);
    });
  });

  describe("an RPC that raises no auth event", () => {
    it.each(named(authenticatedOnly))("%s answers an authenticated caller without asking authz or reading anything", async (_name, method) => {
      const pool = newPool();
      const store = createInMemoryStore(pool.db, () => "deny");
      const error = await call(method, store.transport);
      expect(error, error?.rawMessage).toBeUndefined();
      expect(store.asked).toEqual([]);
      expect(pool.touches()).toBe(0);
    });
  });

  describe.each([
    ["denies", "deny", Code.PermissionDenied],
    ["is unreachable", "unavailable", Code.Unavailable],
  ] as const)("when authz %s", (_, verdict: AuthzAnswer, code) => {
    it.each(named(guarded))(
      "%s answers without reading or writing anything",
      async (_name, method) => {
        const pool = newPool();
        const store = createInMemoryStore(pool.db, () => verdict);
        const error = await call(method, store.transport);
        expect(error?.code, error?.rawMessage).toBe(code);
        expect(store.asked.length, "authz was asked").toBeGreaterThan(0);
        expect(pool.touches()).toBe(0);
      },
    );
  });

  describe("when authz allows", () => {
    it.each(named(guarded))("%s reaches the database", async (_name, method) => {
      const pool = newPool();
      const store = createInMemoryStore(pool.db, () => "allow");
      const error = await call(method, store.transport);
      // The pool leads nowhere, so the answer is the store's own database error; never a validation error.
      expect(error?.code, error?.rawMessage).not.toBe(Code.InvalidArgument);
      expect(store.asked.length).toBeGreaterThan(0);
      expect(pool.touches()).toBeGreaterThan(0);
    });
  });
});
