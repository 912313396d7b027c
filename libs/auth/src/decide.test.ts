import { describe, expect, it } from "vitest";
import { Auth, type AuthContext, type Handler } from "./auth.js";
import { decide, HandlerFailure } from "./decide.js";
import { buildHandlerTable } from "./handler-table.js";
import { HTTPException } from "./http-exception.js";
import { normalizeUser } from "./user.js";

const alice = normalizeUser({ identity: "alice", permissions: ["threads:write"] });

/** Any function, so tests can register handlers that break the Handler contract on purpose. */
type AnyHandler = (context: AuthContext<any>) => unknown;

function run(handler: AnyHandler, value: Record<string, unknown> = { thread_id: "t1" }, timeoutMs = 1_000) {
  const table = buildHandlerTable(new Auth().on("threads:read", handler as Handler).definition.handlers);
  return decide(table, { event: "threads:read", user: alice, value }, { timeoutMs });
}

describe("handler results", () => {
  it.each([
    ["undefined", () => undefined],
    ["null", () => null],
    ["true", () => true],
    ["a promise of nothing", async () => {}],
  ])("%s allows with no filter", async (_name, handler) => {
    await expect(run(handler)).resolves.toMatchObject({ effect: "allow", filter: undefined, handlerKey: "threads:read" });
  });

  it("false denies with 403", async () => {
    await expect(run(() => false)).resolves.toMatchObject({ effect: "deny", status: 403, handlerKey: "threads:read" });
  });

  it("a plain object allows with that filter", async () => {
    await expect(run(() => ({ owner: "alice" }))).resolves.toMatchObject({
      effect: "allow",
      filter: { op: "eq", key: "owner", value: "alice" },
    });
  });

  it("an empty object allows with a filter that matches everything", async () => {
    await expect(run(() => ({}))).resolves.toMatchObject({ effect: "allow", filter: { op: "and", filters: [] } });
  });

  it.each([
    ["a number", () => 42, /returned a number/],
    ["a string", () => "yes", /returned a string/],
    ["an array", () => [{ owner: "alice" }], /returned an array/],
    ["a Date", () => new Date(), /returned a Date/],
  ])("returning %s is a failure naming the handler and the type", async (_name, handler, message) => {
    const failure = await run(handler).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HandlerFailure);
    expect((failure as HandlerFailure).kind).toBe("invalid_result");
    expect((failure as HandlerFailure).message).toMatch(/handler "threads:read"/);
    expect((failure as HandlerFailure).message).toMatch(message);
  });

  it("an HTTPException becomes a denial with its status, message and headers", async () => {
    const decision = await run(() => {
      throw new HTTPException(401, { message: "token expired", headers: { "WWW-Authenticate": "Bearer" } });
    });
    expect(decision).toEqual({
      effect: "deny",
      handlerKey: "threads:read",
      status: 401,
      message: "token expired",
      headers: { "www-authenticate": "Bearer" },
    });
  });

  it("an HTTPException without a message uses the status's reason phrase", async () => {
    await expect(
      run(() => {
        throw new HTTPException(403);
      }),
    ).resolves.toMatchObject({ effect: "deny", status: 403, message: "Forbidden" });
  });

  it("any other exception is a failure that keeps its cause for the log", async () => {
    const cause = new Error("database down");
    const failure = (await run(() => {
      throw cause;
    }).catch((error: unknown) => error)) as HandlerFailure;
    expect(failure.kind).toBe("threw");
    expect(failure.cause).toBe(cause);
  });

  it("a handler past its time budget fails closed", async () => {
    const failure = (await run(() => new Promise(() => {}), {}, 20).catch((error: unknown) => error)) as HandlerFailure;
    expect(failure.kind).toBe("timed_out");
  });

  it("an invalid filter is a failure naming the handler and the key", async () => {
    const failure = (await run(() => ({ owner: { $ne: "x", $eq: "y" } })).catch((error: unknown) => error)) as HandlerFailure;
    expect(failure.kind).toBe("invalid_filter");
    expect(failure.message).toMatch(/handler "threads:read".*owner/);
  });

  it("an unknown operator is a failure, never a match", async () => {
    const failure = (await run(() => ({ owner: { $regex: ".*" } })).catch((error: unknown) => error)) as HandlerFailure;
    expect(failure.kind).toBe("invalid_filter");
    expect(failure.message).toMatch(/unknown operator \$regex/);
  });

  it("mutations of value are returned with the decision", async () => {
    const decision = await run(
      ({ value, user }) => {
        (value as { metadata: Record<string, unknown> }).metadata.owner = user.identity;
      },
      { metadata: {} },
    );
    expect(decision).toMatchObject({ effect: "allow", value: { metadata: { owner: "alice" } } });
  });

  it("the handler sees the event, resource, action, user and permissions", async () => {
    let seen: unknown;
    await run((context) => {
      seen = context;
    });
    expect(seen).toMatchObject({
      event: "threads:read",
      resource: "threads",
      action: "read",
      user: { identity: "alice", display_name: "alice", is_authenticated: true },
      permissions: ["threads:write"],
    });
  });

  it("no matching handler allows with no filter and no handler key", async () => {
    const table = buildHandlerTable(new Map());
    await expect(decide(table, { event: "store:put", user: alice, value: {} }, { timeoutMs: 10 })).resolves.toMatchObject({
      effect: "allow",
      handlerKey: undefined,
      filter: undefined,
    });
  });
});
