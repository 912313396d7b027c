import { Auth as LangGraphAuth, HTTPException as LangGraphHTTPException } from "@langchain/langgraph-sdk/auth";
import { describe, expect, it } from "vitest";
import { Auth } from "./auth.js";
import { toAuthDefinition } from "./auth-definition.js";
import { decide } from "./decide.js";
import { buildHandlerTable } from "./handler-table.js";
import { normalizeUser } from "./user.js";

describe("reading an auth module's callbacks", () => {
  it("reads a Gatehouse Auth", () => {
    const authenticate = () => "user1";
    const handler = () => false;
    const definition = toAuthDefinition(new Auth().authenticate(authenticate).on("threads", handler));
    expect(definition.authenticate).toBe(authenticate);
    expect([...definition.handlers]).toEqual([["threads", handler]]);
  });

  it("reads an Auth built with @langchain/langgraph-sdk/auth", () => {
    const authenticate = async () => ({ identity: "user1", permissions: [] });
    const handler = () => ({ owner: "user1" });
    const definition = toAuthDefinition(new LangGraphAuth().authenticate(authenticate).on(["threads:read", "threads:search"], handler));
    expect(definition.authenticate).toBe(authenticate);
    expect([...definition.handlers.keys()]).toEqual(["threads:read", "threads:search"]);
  });

  it("turns LangGraph's HTTPException into a denial like its own", async () => {
    const auth = new LangGraphAuth().on("threads:read", () => {
      throw new LangGraphHTTPException(404, { message: "nope", headers: { "x-reason": "hidden" } });
    });
    const table = buildHandlerTable(toAuthDefinition(auth).handlers);
    const decision = await decide(table, { event: "threads:read", user: normalizeUser("u"), value: {} }, { timeoutMs: 100 });
    expect(decision).toEqual({ effect: "deny", handlerKey: "threads:read", status: 404, message: "nope", headers: { "x-reason": "hidden" } });
  });

  it("rejects a LangGraph handler registered under a key that is not an event", () => {
    const auth = new LangGraphAuth().on("threads:fly" as never, () => {});
    expect(() => toAuthDefinition(auth)).toThrow(/"threads:fly" is not an event/);
  });

  it.each([[{}], [null], [42], [{ authenticate: () => "x" }]])("rejects %j, which is not an Auth", (candidate) => {
    expect(() => toAuthDefinition(candidate)).toThrow(/not an Auth instance/);
  });
});
