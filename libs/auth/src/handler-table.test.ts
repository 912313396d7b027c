import { describe, expect, it } from "vitest";
import { Auth } from "./auth.js";
import { allEvents } from "./events.js";
import { buildHandlerTable } from "./handler-table.js";

function tableOf(auth: Auth) {
  return buildHandlerTable(auth.definition.handlers);
}

describe("handler resolution", () => {
  const exact = () => ({ handler: "exact" });
  const resource = () => ({ handler: "resource" });
  const anyResource = () => ({ handler: "anyResource" });
  const global = () => ({ handler: "global" });
  const auth = new Auth().on("threads:create", exact).on("threads", resource).on("*:read", anyResource).on("*", global);
  const table = tableOf(auth);

  it("prefers resource:action over everything", () => {
    expect(table.get("threads:create")).toEqual({ key: "threads:create", handler: exact });
  });

  it("uses the resource handler for the resource's other actions", () => {
    expect(table.get("threads:read")?.key).toBe("threads");
    expect(table.get("threads:create_run")?.key).toBe("threads");
  });

  it("uses *:action when the resource has no handler", () => {
    expect(table.get("assistants:read")?.key).toBe("*:read");
    expect(table.get("crons:read")?.key).toBe("*:read");
  });

  it("falls back to * last", () => {
    expect(table.get("assistants:create")?.key).toBe("*");
    expect(table.get("store:put")?.key).toBe("*");
  });

  it("has an entry for every event, so resolution is one lookup", () => {
    expect([...table.keys()].sort()).toEqual([...allEvents].sort());
  });

  it("resolves to nothing (allow) when no handler matches", () => {
    const empty = tableOf(new Auth().on("threads:create", exact));
    expect(empty.get("threads:read")).toBeUndefined();
    expect(empty.get("store:get")).toBeUndefined();
  });

  it("registers one handler under every key of an array", () => {
    const both = tableOf(new Auth().on(["threads:read", "threads:search"], exact));
    expect(both.get("threads:read")?.handler).toBe(exact);
    expect(both.get("threads:search")?.handler).toBe(exact);
    expect(both.get("threads:create")).toBeUndefined();
  });
});

describe("registration", () => {
  it("refuses a second handler for the same key and names both", () => {
    const auth = new Auth().on("threads:create", function first() {});
    expect(() => auth.on("threads:create", function second() {})).toThrow(/function first.*function second/);
  });

  it("refuses a duplicate inside one array without registering any of it", () => {
    const auth = new Auth().on("threads:read", function first() {});
    expect(() => auth.on(["threads:search", "threads:read"], function second() {})).toThrow(/threads:read/);
    expect(auth.definition.handlers.has("threads:search")).toBe(false);
  });

  it("refuses unknown events", () => {
    expect(() => new Auth().on("threads:fly" as never, () => {})).toThrow(/not an event/);
    expect(() => new Auth().on("runs" as never, () => {})).toThrow(/not an event/);
  });

  it("refuses a second authenticate callback", () => {
    const auth = new Auth().authenticate(() => "a");
    expect(() => auth.authenticate(() => "b")).toThrow(/already registered/);
  });

  it("supports the Python-style sugar, chained", () => {
    const create = () => {};
    const store = () => {};
    const auth = new Auth().on.threads.create(create).on.store(store).on.assistants.search(() => false);
    expect(auth.definition.handlers.get("threads:create")).toBe(create);
    expect(auth.definition.handlers.get("store")).toBe(store);
    expect(auth.definition.handlers.has("assistants:search")).toBe(true);
  });
});
