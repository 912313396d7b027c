import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FilterSchema } from "@gatehouse/contracts";
import { describe, expect, it } from "vitest";
import { FilterError } from "./filter-error.js";
import type { FilterExpr } from "./filter-expr.js";
import { filterFromProto, filterToProto } from "./filter-proto.js";
import { describeType, parseFilter } from "./parse-filter.js";

function rejection(filter: unknown): FilterError {
  try {
    parseFilter(filter);
  } catch (error) {
    if (error instanceof FilterError) return error;
    throw error;
  }
  throw new Error(`parseFilter accepted ${JSON.stringify(filter)}`);
}

function overTheWire(filter: FilterExpr): FilterExpr {
  return filterFromProto(fromBinary(FilterSchema, toBinary(FilterSchema, create(FilterSchema, filterToProto(filter)))));
}

describe("text that cannot reach Postgres unchanged", () => {
  it("a key with a lone surrogate is rejected, since Postgres would receive U+FFFD and match a different key", () => {
    const error = rejection({ "a\ud800": { $exists: true } });
    expect(error.message).toBe('key "a\\ud800": the key is not well-formed Unicode (it has a lone surrogate)');
    expect(error.key).toBe("a\ud800");
  });

  it.each([
    ["a string operand", { k: "\udc00x" }, /key "k": a string operand is not well-formed Unicode/],
    ["a $contains element", { k: { $contains: ["ok", "\ud83d"] } }, /key "k": a string operand is not well-formed Unicode/],
    ["an operand object key", { k: { $eq: { "\ud83d": 1 } } }, /key "k": an operand object key is not well-formed Unicode/],
  ])("%s with a lone surrogate is rejected and names the filter key", (_what, filter, message) => {
    const error = rejection(filter);
    expect(error.message).toMatch(message);
    expect(error.key).toBe("k");
  });

  it("a surrogate pair, such as an emoji, is well-formed and accepted", () => {
    expect(parseFilter({ "🔑": { $contains: "😀" } })).toEqual({ op: "contains", key: "🔑", values: ["😀"] });
  });

  it("a key with a NUL character is rejected with a message that names the key, escaped", () => {
    const error = rejection({ "a\u0000b": 1 });
    expect(error.message).toBe('key "a\\u0000b": the key contains a NUL character');
    expect(error.key).toBe("a\u0000b");
  });
});

describe("operand objects with a __proto__ key", () => {
  it("lose that key on the wire, so an equality would widen to a different object", () => {
    const handmade: FilterExpr = { op: "eq", key: "k", value: JSON.parse('{"__proto__": 1, "a": 2}') };
    expect(overTheWire(handmade)).toEqual({ op: "eq", key: "k", value: { a: 2 } });
  });

  it.each([
    ["an equality operand", '{"k": {"__proto__": 1}}'],
    ["a nested object", '{"k": {"$in": [{"a": {"__proto__": null}}]}}'],
    ["a $contains element", '{"k": {"$contains": [{"__proto__": "x"}]}}'],
  ])("are rejected in %s", (_where, text) => {
    const error = rejection(JSON.parse(text));
    expect(error.message).toBe('key "k": an operand object key is "__proto__", which the wire encoding cannot carry');
    expect(error.key).toBe("k");
  });

  it("do not affect a top-level __proto__ key, which travels as a plain string", () => {
    const filter = parseFilter(JSON.parse('{"__proto__": {"a": 1}}'));
    expect(filter).toEqual({ op: "eq", key: "__proto__", value: { a: 1 } });
    expect(overTheWire(filter)).toEqual(filter);
  });
});

describe("error messages", () => {
  it("an undefined operand is described as undefined", () => {
    expect(rejection({ owner: undefined }).message).toBe('key "owner": undefined is not a JSON value');
    expect(describeType(undefined)).toBe("undefined");
  });

  it("$and with something other than a list says what it got", () => {
    const error = rejection({ $and: { owner: "alice" } });
    expect(error.message).toBe("$and takes a list of filters, got an object");
    expect(error.key).toBe("$and");
  });
});

describe("size limits", () => {
  it("a long $or of empty filters counts against the condition limit", () => {
    const error = rejection({ $or: Array.from({ length: 10_000 }, () => ({})) });
    expect(error.message).toBe("the filter has more than 256 conditions");
  });
});
