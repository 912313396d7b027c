/**
 * The filter conformance table (README "Filters"):
 * what a handler may return as a filter and which metadata rows it selects.
 * filter-conformance.int.test.ts holds the in-memory matcher and the SQL
 * compiler on real Postgres to every row of it.
 *
 * Rows are JSON text, parsed by JSON.parse for the matcher and bound as text
 * for Postgres, so keys such as "__proto__" are ordinary own keys. Their
 * numbers must be ones a JavaScript double holds exactly (as for every row
 * written through the store, whose metadata travels as
 * google.protobuf.Struct); the harness checks that both sides read each row
 * the same way.
 */

/** One metadata row as JSON text, and whether the filter must select it. */
export type Row = readonly [metadata: string, matches: boolean];

/** A filter parseFilter accepts, with the rows it must and must not select. */
export interface MatchCase {
  /** What the case shows, as a behaviour sentence. */
  readonly name: string;
  /** The filter exactly as a handler would return it. */
  readonly filter: unknown;
  readonly rows: readonly Row[];
}

/** A filter parseFilter must reject with a FilterError, never a match. */
export interface RejectCase {
  readonly name: string;
  readonly filter: unknown;
  /** The error message; it names the offending key where there is one. */
  readonly rejects: RegExp;
  /** The FilterError's key, when the problem is at a key. */
  readonly key?: string;
}

export type FilterCase = MatchCase | RejectCase;

/** Tells a case that must be rejected from one that must match rows. */
export function isRejectCase(testCase: FilterCase): testCase is RejectCase {
  return "rejects" in testCase;
}

/** A class instance, which is not plain JSON. */
class Money {
  constructor(readonly cents: number) {}
}

/** `levels` nested $and lists around a single condition. */
function nestedAnd(levels: number): unknown {
  let filter: unknown = { owner: "alice" };
  for (let level = 0; level < levels; level += 1) filter = { $and: [filter] };
  return filter;
}

/** An array nested `levels` deep around a string. */
function nestedArray(levels: number): unknown {
  let value: unknown = "x";
  for (let level = 0; level < levels; level += 1) value = [value];
  return value;
}

/** A filter with `count` distinct plain keys. */
function manyKeys(count: number): Record<string, number> {
  return Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, index]));
}

// Rows reused by the falsy-operand cases: every "empty" value a field can hold, and no field at all.
const missing: string = "{}";
const isNull = '{"k": null}';
const isEmptyString = '{"k": ""}';
const isZero = '{"k": 0}';
const isFalse = '{"k": false}';
const isEmptyArray = '{"k": []}';
const isEmptyObject = '{"k": {}}';

export const filterCases: readonly FilterCase[] = [
  // ---- {k: v}: JSON equality of scalars ----------------------------------------------------------
  {
    name: "a string operand selects rows whose field equals it exactly",
    filter: { owner: "alice" },
    rows: [
      ['{"owner": "alice"}', true],
      ['{"owner": "alice", "topic": "x"}', true],
      ['{"owner": "bob"}', false],
      ['{"owner": "Alice"}', false],
      ['{"owner": "alice "}', false],
      ['{"owner": "alic"}', false],
      ['{"other": "alice"}', false],
      [missing, false],
    ],
  },
  {
    name: "a string operand does not match the same text as a number or inside an array",
    filter: { k: "1" },
    rows: [
      ['{"k": "1"}', true],
      ['{"k": 1}', false],
      ['{"k": ["1"]}', false],
      ['{"k": {"1": "1"}}', false],
    ],
  },
  {
    name: "a number operand selects rows whose field is that number",
    filter: { k: 42 },
    rows: [
      ['{"k": 42}', true],
      ['{"k": "42"}', false],
      ['{"k": 42.5}', false],
      ['{"k": -42}', false],
      ['{"k": [42]}', false],
    ],
  },
  {
    name: "1 and 1.0 are the same JSON number",
    filter: { k: 1 },
    rows: [
      ['{"k": 1}', true],
      ['{"k": 1.0}', true],
      ['{"k": 1.00e0}', true],
      ['{"k": 10e-1}', true],
      ['{"k": 1.5}', false],
      ['{"k": true}', false],
    ],
  },
  {
    name: "a fractional operand compares by value",
    filter: { k: 0.1 },
    rows: [
      ['{"k": 0.1}', true],
      ['{"k": 0.10}', true],
      ['{"k": 1e-1}', true],
      ['{"k": 0.30000000000000004}', false],
      ['{"k": 0.01}', false],
    ],
  },
  {
    name: "zero as an operand is compared, not ignored",
    filter: { k: 0 },
    rows: [[isZero, true], ['{"k": 0.0}', true], ['{"k": -0}', true], [isFalse, false], [isEmptyString, false], ['{"k": "0"}', false], [isNull, false], [missing, false]],
  },
  {
    name: "negative zero equals zero",
    filter: { k: -0 },
    rows: [[isZero, true], ['{"k": -0}', true], ['{"k": -0.0}', true], [isFalse, false], [missing, false]],
  },
  {
    name: "negative numbers compare by value",
    filter: { k: -17.25 },
    rows: [
      ['{"k": -17.25}', true],
      ['{"k": 17.25}', false],
      ['{"k": -17.2}', false],
    ],
  },
  {
    name: "2^53 compares exactly",
    filter: { k: 2 ** 53 },
    rows: [
      ['{"k": 9007199254740992}', true],
      ['{"k": 9007199254740990}', false],
      ['{"k": "9007199254740992"}', false],
    ],
  },
  {
    name: "a large number written in exponent form equals its long form",
    filter: { k: 1e21 },
    rows: [
      ['{"k": 1e21}', true],
      ['{"k": 1000000000000000000000}', true],
      ['{"k": 1E+21}', true],
      ['{"k": 1e20}', false],
    ],
  },
  {
    name: "the largest and smallest doubles compare exactly",
    filter: { $or: [{ big: Number.MAX_VALUE }, { tiny: Number.MIN_VALUE }] },
    rows: [
      ['{"big": 1.7976931348623157e308}', true],
      ['{"tiny": 5e-324}', true],
      ['{"big": 1.7976931348623155e308}', false],
      ['{"tiny": 1e-323}', false],
    ],
  },
  {
    name: "true as an operand selects only the boolean true",
    filter: { k: true },
    rows: [['{"k": true}', true], ['{"k": "true"}', false], ['{"k": 1}', false], [isFalse, false], [missing, false]],
  },
  {
    name: "false as an operand is compared, not ignored",
    filter: { k: false },
    rows: [[isFalse, true], ['{"k": true}', false], [isZero, false], [isEmptyString, false], [isNull, false], [missing, false]],
  },
  {
    name: "null as an operand selects a present null, not a missing key",
    filter: { k: null },
    rows: [[isNull, true], [missing, false], [isEmptyString, false], [isZero, false], [isFalse, false], ['{"k": "null"}', false], ['{"k": [null]}', false]],
  },
  {
    name: "the empty string as an operand is compared, not ignored",
    filter: { k: "" },
    rows: [[isEmptyString, true], [missing, false], [isNull, false], [isZero, false], [isFalse, false], ['{"k": " "}', false], ['{"k": [""]}', false]],
  },
  {
    name: "the empty filter selects every row",
    filter: {},
    rows: [[missing, true], ['{"owner": "alice"}', true], [isNull, true]],
  },

  // ---- {k: v}: arrays and objects compare deeply ----------------------------------------------------
  {
    name: "an array operand selects equal arrays only, in order and length",
    filter: { k: [1, 2] },
    rows: [
      ['{"k": [1, 2]}', true],
      ['{"k": [1.0, 2]}', true],
      ['{"k": [1]}', false],
      ['{"k": [1, 2, 3]}', false],
      ['{"k": [2, 1]}', false],
      ['{"k": [1, 2, 2]}', false],
      ['{"k": 1}', false],
      [missing, false],
    ],
  },
  {
    name: "a one-element array operand does not equal a longer array that holds it",
    filter: { k: [1] },
    rows: [
      ['{"k": [1]}', true],
      ['{"k": [1, 2]}', false],
      ['{"k": [1, 1]}', false],
      ['{"k": 1}', false],
      ['{"k": [[1]]}', false],
    ],
  },
  {
    name: "an array operand with one string does not equal that string",
    filter: { k: ["x"] },
    rows: [
      ['{"k": ["x"]}', true],
      ['{"k": "x"}', false],
      ['{"k": ["x", "y"]}', false],
      ['{"k": [["x"]]}', false],
    ],
  },
  {
    name: "the empty array operand selects only the empty array",
    filter: { k: [] },
    rows: [[isEmptyArray, true], ['{"k": [1]}', false], ['{"k": [[]]}', false], [isEmptyObject, false], [isNull, false], [missing, false]],
  },
  {
    name: "an object operand selects equal objects whatever their key order",
    filter: { k: { a: 1, b: 2 } },
    rows: [
      ['{"k": {"a": 1, "b": 2}}', true],
      ['{"k": {"b": 2, "a": 1}}', true],
      ['{"k": {"a": 1.0, "b": 2}}', true],
      ['{"k": {"a": 1}}', false],
      ['{"k": {"a": 1, "b": 2, "c": 3}}', false],
      ['{"k": {"a": 1, "b": "2"}}', false],
      ['{"k": [{"a": 1, "b": 2}]}', false],
    ],
  },
  {
    name: "an object operand does not match a superset object (containment is not equality)",
    filter: { k: { a: 1 } },
    rows: [
      ['{"k": {"a": 1}}', true],
      ['{"k": {"a": 1, "b": 2}}', false],
      ['{"k": {"a": 1, "b": null}}', false],
      ['{"k": {}}', false],
      ['{"k": [{"a": 1}]}', false],
    ],
  },
  {
    name: "the empty object operand selects only the empty object",
    filter: { k: {} },
    rows: [[isEmptyObject, true], ['{"k": {"a": 1}}', false], [isEmptyArray, false], [isNull, false], [missing, false]],
  },
  {
    name: "nested objects and arrays compare deeply at every level",
    filter: { k: { tags: ["a", { x: [1, null] }], meta: { deep: { deeper: true } } } },
    rows: [
      ['{"k": {"meta": {"deep": {"deeper": true}}, "tags": ["a", {"x": [1, null]}]}}', true],
      ['{"k": {"tags": ["a", {"x": [1, null]}], "meta": {"deep": {"deeper": true, "more": 1}}}}', false],
      ['{"k": {"tags": ["a", {"x": [1, null, 2]}], "meta": {"deep": {"deeper": true}}}}', false],
      ['{"k": {"tags": ["a", {"x": [1]}], "meta": {"deep": {"deeper": true}}}}', false],
      ['{"k": {"tags": ["a", {"x": [1, null], "y": 0}], "meta": {"deep": {"deeper": true}}}}', false],
    ],
  },
  {
    name: "an array of objects does not match a longer array or objects with extra keys",
    filter: { k: [{ a: 1 }] },
    rows: [
      ['{"k": [{"a": 1}]}', true],
      ['{"k": [{"a": 1, "b": 2}]}', false],
      ['{"k": [{"a": 1}, {"a": 1}]}', false],
      ['{"k": {"a": 1}}', false],
    ],
  },
  {
    name: "an object operand whose nested keys look like operators is compared literally",
    filter: { k: { a: { $gt: 1 } } },
    rows: [
      ['{"k": {"a": {"$gt": 1}}}', true],
      ['{"k": {"a": 2}}', false],
    ],
  },
  {
    name: "a row with a duplicated key keeps the last value, as JSON.parse and jsonb both do",
    filter: { k: 2 },
    rows: [
      ['{"k": 1, "k": 2}', true],
      ['{"k": 2, "k": 1}', false],
    ],
  },

  // ---- $eq ---------------------------------------------------------------------------------------
  {
    name: "$eq with a string means the same as the bare value",
    filter: { owner: { $eq: "alice" } },
    rows: [['{"owner": "alice"}', true], ['{"owner": "bob"}', false], [missing, false]],
  },
  {
    name: "$eq with the empty string is compared, not ignored",
    filter: { k: { $eq: "" } },
    rows: [[isEmptyString, true], [missing, false], [isNull, false], [isZero, false], [isFalse, false]],
  },
  {
    name: "$eq with zero is compared, not ignored",
    filter: { k: { $eq: 0 } },
    rows: [[isZero, true], [missing, false], [isNull, false], [isEmptyString, false], [isFalse, false]],
  },
  {
    name: "$eq with false is compared, not ignored",
    filter: { k: { $eq: false } },
    rows: [[isFalse, true], [missing, false], [isNull, false], [isEmptyString, false], [isZero, false]],
  },
  {
    name: "$eq with null selects a present null only",
    filter: { k: { $eq: null } },
    rows: [[isNull, true], [missing, false], [isFalse, false]],
  },
  {
    name: "$eq with an object compares deeply and does not match a superset",
    filter: { k: { $eq: { a: 1 } } },
    rows: [['{"k": {"a": 1}}', true], ['{"k": {"a": 1, "b": 2}}', false], [isEmptyObject, false]],
  },
  {
    name: "$eq with an array compares deeply and does not match a longer array",
    filter: { k: { $eq: [1, 2] } },
    rows: [['{"k": [1, 2]}', true], ['{"k": [1]}', false], ['{"k": [1, 2, 3]}', false], ['{"k": [2, 1]}', false]],
  },
  {
    name: "$eq with the empty array selects only the empty array",
    filter: { k: { $eq: [] } },
    rows: [[isEmptyArray, true], ['{"k": [1]}', false], [missing, false]],
  },

  // ---- $contains ---------------------------------------------------------------------------------
  {
    name: "$contains with a string selects arrays holding that string",
    filter: { allowed_users: { $contains: "alice" } },
    rows: [
      ['{"allowed_users": ["alice"]}', true],
      ['{"allowed_users": ["bob", "alice"]}', true],
      ['{"allowed_users": ["alice", "alice"]}', true],
      ['{"allowed_users": ["bob"]}', false],
      ['{"allowed_users": []}', false],
      ['{"allowed_users": ["Alice"]}', false],
      ['{"allowed_users": "alice"}', false],
      ['{"allowed_users": null}', false],
      [missing, false],
    ],
  },
  {
    name: "$contains on a string field is false even when the string includes the operand",
    filter: { k: { $contains: "a" } },
    rows: [
      ['{"k": "abc"}', false],
      ['{"k": "a"}', false],
      ['{"k": {"a": 1}}', false],
      ['{"k": {"a": "a"}}', false],
      ['{"k": ["a"]}', true],
    ],
  },
  {
    name: "$contains with a number matches by value",
    filter: { k: { $contains: 1 } },
    rows: [
      ['{"k": [1]}', true],
      ['{"k": [1.0, 2]}', true],
      ['{"k": ["1"]}', false],
      ['{"k": [true]}', false],
      ['{"k": 1}', false],
    ],
  },
  {
    name: "$contains with falsy scalars compares them, not ignores them",
    filter: { $and: [{ a: { $contains: 0 } }, { b: { $contains: "" } }, { c: { $contains: false } }] },
    rows: [
      ['{"a": [0], "b": [""], "c": [false]}', true],
      ['{"a": [0, 1], "b": ["x", ""], "c": [true, false]}', true],
      ['{"a": [false], "b": [""], "c": [false]}', false],
      ['{"a": [0], "b": [null], "c": [false]}', false],
      ['{"a": [0], "b": [""], "c": [0]}', false],
      ['{"a": [], "b": [], "c": []}', false],
    ],
  },
  {
    name: "$contains with null selects arrays holding null",
    filter: { k: { $contains: null } },
    rows: [['{"k": [null]}', true], ['{"k": [1, null]}', true], ['{"k": []}', false], [isNull, false], [missing, false]],
  },
  {
    name: "$contains with a list requires every listed element",
    filter: { tags: { $contains: ["a", "b"] } },
    rows: [
      ['{"tags": ["a", "b"]}', true],
      ['{"tags": ["b", "x", "a"]}', true],
      ['{"tags": ["a"]}', false],
      ['{"tags": ["b"]}', false],
      ['{"tags": [["a", "b"]]}', false],
      ['{"tags": "ab"}', false],
    ],
  },
  {
    name: "$contains with a list of one string is the same as with that string",
    filter: { tags: { $contains: ["a"] } },
    rows: [['{"tags": ["a"]}', true], ['{"tags": ["b", "a"]}', true], ['{"tags": "a"}', false], ['{"tags": [["a"]]}', false]],
  },
  {
    name: "$contains with a list that repeats an element needs it only once",
    filter: { tags: { $contains: ["a", "a"] } },
    rows: [['{"tags": ["a"]}', true], ['{"tags": ["b"]}', false]],
  },
  {
    name: "$contains with the empty list selects every array and nothing else",
    filter: { tags: { $contains: [] } },
    rows: [
      ['{"tags": []}', true],
      ['{"tags": ["a"]}', true],
      ['{"tags": [[]]}', true],
      ['{"tags": "a"}', false],
      ['{"tags": {}}', false],
      ['{"tags": null}', false],
      ['{"tags": ""}', false],
      [missing, false],
    ],
  },
  {
    name: "$contains with an object selects arrays holding an equal object, not a superset object",
    filter: { k: { $contains: { a: 1 } } },
    rows: [
      ['{"k": [{"a": 1}]}', true],
      ['{"k": [{"b": 2}, {"a": 1}]}', true],
      ['{"k": [{"a": 1, "b": 2}]}', false],
      ['{"k": [{"a": 1, "b": 2}, {"b": 3}]}', false],
      ['{"k": {"a": 1}}', false],
      ['{"k": [[{"a": 1}]]}', false],
      ['{"k": [{"a": [1]}]}', false],
    ],
  },
  {
    name: "$contains with the empty object selects arrays holding an empty object only",
    filter: { k: { $contains: {} } },
    rows: [['{"k": [{}]}', true], ['{"k": [{"a": 1}]}', false], ['{"k": []}', false], ['{"k": [[]]}', false], [isEmptyObject, false]],
  },
  {
    name: "$contains with a list of objects needs each object exactly",
    filter: { k: { $contains: [{ a: 1 }, { b: 2 }] } },
    rows: [
      ['{"k": [{"b": 2}, {"a": 1}]}', true],
      ['{"k": [{"a": 1, "b": 2}]}', false],
      ['{"k": [{"a": 1}, {"b": 2, "c": 3}]}', false],
      ['{"k": [{"a": 1}]}', false],
    ],
  },
  {
    name: "$contains with a mixed list needs the scalars and the exact objects",
    filter: { k: { $contains: ["x", { a: 1 }, 3] } },
    rows: [
      ['{"k": [3, {"a": 1}, "x"]}', true],
      ['{"k": [3, {"a": 1, "z": 0}, "x"]}', false],
      ['{"k": [{"a": 1}, "x"]}', false],
      ['{"k": [3, "x"]}', false],
    ],
  },
  {
    name: "$contains with a nested array selects arrays holding an equal array, not the string inside",
    filter: { k: { $contains: [["x"]] } },
    rows: [
      ['{"k": [["x"]]}', true],
      ['{"k": ["y", ["x"]]}', true],
      ['{"k": ["x"]}', false],
      ['{"k": [["x", "y"]]}', false],
      ['{"k": [[["x"]]]}', false],
      ['{"k": "x"}', false],
    ],
  },
  {
    name: "$contains with a string does not look inside nested arrays",
    filter: { k: { $contains: "x" } },
    rows: [['{"k": [["x"]]}', false], ['{"k": [{"x": "x"}]}', false], ['{"k": ["x", ["x"]]}', true]],
  },
  {
    name: "$contains with an empty nested array selects arrays holding an empty array only",
    filter: { k: { $contains: [[]] } },
    rows: [['{"k": [[]]}', true], ['{"k": [[1]]}', false], ['{"k": []}', false]],
  },

  // ---- $in ---------------------------------------------------------------------------------------
  {
    name: "$in selects rows whose field equals one of the listed values",
    filter: { status: { $in: ["open", "pending"] } },
    rows: [
      ['{"status": "open"}', true],
      ['{"status": "pending"}', true],
      ['{"status": "closed"}', false],
      ['{"status": ["open"]}', false],
      ['{"status": null}', false],
      [missing, false],
    ],
  },
  {
    name: "$in with the empty list selects no row",
    filter: { status: { $in: [] } },
    rows: [['{"status": "open"}', false], [missing, false], ['{"status": []}', false]],
  },
  {
    name: "$in compares falsy values and null exactly",
    filter: { k: { $in: [0, null] } },
    rows: [[isZero, true], [isNull, true], [isFalse, false], [isEmptyString, false], [missing, false]],
  },
  {
    name: "$in with an object does not match a superset object",
    filter: { k: { $in: [{ a: 1 }, "x"] } },
    rows: [['{"k": {"a": 1}}', true], ['{"k": "x"}', true], ['{"k": {"a": 1, "b": 2}}', false], ['{"k": [{"a": 1}]}', false]],
  },
  {
    name: "$in with an array compares whole arrays",
    filter: { k: { $in: [[1, 2], []] } },
    rows: [['{"k": [1, 2]}', true], [isEmptyArray, true], ['{"k": [1]}', false], ['{"k": [1, 2, 3]}', false], ['{"k": 1}', false]],
  },

  // ---- $ne ---------------------------------------------------------------------------------------
  {
    name: "$ne selects rows whose field differs or is missing",
    filter: { status: { $ne: "deleted" } },
    rows: [['{"status": "open"}', true], [missing, true], ['{"status": null}', true], ['{"status": ["deleted"]}', true], ['{"status": "deleted"}', false]],
  },
  {
    name: "$ne with null excludes only a present null",
    filter: { k: { $ne: null } },
    rows: [[isNull, false], [missing, true], [isFalse, true], [isZero, true], [isEmptyString, true]],
  },
  {
    name: "$ne with the empty string excludes only the empty string",
    filter: { k: { $ne: "" } },
    rows: [[isEmptyString, false], [missing, true], [isNull, true], [isZero, true], [isFalse, true]],
  },
  {
    name: "$ne with zero and 0.0 excludes both",
    filter: { k: { $ne: 0 } },
    rows: [[isZero, false], ['{"k": 0.0}', false], [isFalse, true], ['{"k": "0"}', true]],
  },
  {
    name: "$ne with an object excludes only an equal object",
    filter: { k: { $ne: { a: 1 } } },
    rows: [['{"k": {"a": 1}}', false], ['{"k": {"a": 1.0}}', false], ['{"k": {"a": 1, "b": 2}}', true], [isEmptyObject, true], [missing, true]],
  },
  {
    name: "$ne with an array excludes only an equal array",
    filter: { k: { $ne: [1] } },
    rows: [['{"k": [1]}', false], ['{"k": [1, 1]}', true], ['{"k": 1}', true], [isEmptyArray, true]],
  },

  // ---- $exists -----------------------------------------------------------------------------------
  {
    name: "$exists true selects rows that have the key, even with a null value",
    filter: { k: { $exists: true } },
    rows: [[isNull, true], [isFalse, true], [isEmptyString, true], [isEmptyArray, true], [missing, false], ['{"K": 1}', false], ['{"other": {"k": 1}}', false]],
  },
  {
    name: "$exists false selects rows that lack the key, not rows with a null value",
    filter: { k: { $exists: false } },
    rows: [[missing, true], ['{"other": 1}', true], ['{"other": {"k": 1}}', true], [isNull, false], [isZero, false]],
  },
  {
    name: "$exists looks at top-level keys, not at array elements or nested keys",
    filter: { k: { $exists: true } },
    rows: [['{"list": ["k"]}', false], ['{"list": [{"k": 1}]}', false], ['{"list": ["k"], "k": 1}', true]],
  },

  // ---- several keys, $and, $or, nesting ----------------------------------------------------------
  {
    name: "several keys must all match",
    filter: { owner: "alice", org: "acme" },
    rows: [
      ['{"owner": "alice", "org": "acme"}', true],
      ['{"owner": "alice", "org": "acme", "x": 1}', true],
      ['{"owner": "alice", "org": "other"}', false],
      ['{"owner": "alice"}', false],
      ['{"org": "acme"}', false],
    ],
  },
  {
    name: "several keys with mixed operators must all match",
    filter: { owner: "alice", tags: { $contains: "x" }, status: { $ne: "deleted" }, archived: { $exists: false } },
    rows: [
      ['{"owner": "alice", "tags": ["x"]}', true],
      ['{"owner": "alice", "tags": ["x"], "status": "open"}', true],
      ['{"owner": "alice", "tags": ["x"], "status": "deleted"}', false],
      ['{"owner": "alice", "tags": ["x"], "archived": null}', false],
      ['{"owner": "alice", "tags": ["y"]}', false],
      ['{"owner": "bob", "tags": ["x"]}', false],
    ],
  },
  {
    name: "an object-equality key and a scalar key must both match",
    filter: { owner: "alice", scope: { team: "a" } },
    rows: [
      ['{"owner": "alice", "scope": {"team": "a"}}', true],
      ['{"owner": "alice", "scope": {"team": "a", "admin": true}}', false],
      ['{"owner": "bob", "scope": {"team": "a"}}', false],
    ],
  },
  {
    name: "$and with the empty list selects every row",
    filter: { $and: [] },
    rows: [[missing, true], ['{"owner": "alice"}', true]],
  },
  {
    name: "$or with the empty list selects no row",
    filter: { $or: [] },
    rows: [[missing, false], ['{"owner": "alice"}', false]],
  },
  {
    name: "$or with an empty filter selects every row",
    filter: { $or: [{}] },
    rows: [[missing, true], ['{"owner": "alice"}', true]],
  },
  {
    name: "$and requires every child filter",
    filter: { $and: [{ owner: "alice" }, { tags: { $contains: "x" } }] },
    rows: [['{"owner": "alice", "tags": ["x"]}', true], ['{"owner": "alice", "tags": []}', false], ['{"tags": ["x"]}', false]],
  },
  {
    name: "$and over the same key with two values selects nothing",
    filter: { $and: [{ k: 1 }, { k: 2 }] },
    rows: [['{"k": 1}', false], ['{"k": 2}', false], ['{"k": [1, 2]}', false]],
  },
  {
    name: "$and over the same key with two $contains needs both elements",
    filter: { $and: [{ k: { $contains: "a" } }, { k: { $contains: "b" } }] },
    rows: [['{"k": ["a", "b"]}', true], ['{"k": ["a"]}', false], ['{"k": ["b"]}', false]],
  },
  {
    name: "$or requires at least one child filter",
    filter: { $or: [{ owner: "alice" }, { allowed_users: { $contains: "alice" } }] },
    rows: [
      ['{"owner": "alice"}', true],
      ['{"owner": "bob", "allowed_users": ["alice"]}', true],
      ['{"owner": "bob", "allowed_users": ["carol"]}', false],
      [missing, false],
    ],
  },
  {
    name: "$or beside a plain key ANDs with it",
    filter: { org: "acme", $or: [{ owner: "alice" }, { public: true }] },
    rows: [
      ['{"org": "acme", "owner": "alice"}', true],
      ['{"org": "acme", "public": true}', true],
      ['{"org": "other", "owner": "alice"}', false],
      ['{"org": "acme", "owner": "bob", "public": false}', false],
    ],
  },
  {
    name: "$and and $or side by side must both hold",
    filter: { $and: [{ org: "acme" }], $or: [{ a: 1 }, { b: 1 }] },
    rows: [['{"org": "acme", "b": 1}', true], ['{"org": "acme"}', false], ['{"a": 1}', false]],
  },
  {
    name: "$or nested in $and nested in $or evaluates each level",
    filter: { $or: [{ $and: [{ org: "acme" }, { $or: [{ role: "admin" }, { role: { $in: ["owner", "editor"] } }] }] }, { public: true }] },
    rows: [
      ['{"org": "acme", "role": "admin"}', true],
      ['{"org": "acme", "role": "editor"}', true],
      ['{"org": "acme", "role": "viewer"}', false],
      ['{"org": "other", "role": "admin"}', false],
      ['{"public": true}', true],
    ],
  },
  {
    name: "$or over object equality and $contains of objects does not over-match",
    filter: { $or: [{ k: { a: 1 } }, { list: { $contains: { b: 2 } } }] },
    rows: [
      ['{"k": {"a": 1}}', true],
      ['{"list": [{"b": 2}]}', true],
      ['{"k": {"a": 1, "x": 0}, "list": [{"b": 2, "x": 0}]}', false],
    ],
  },
  {
    name: "$and nested eight levels deep is still accepted",
    filter: nestedAnd(8),
    rows: [['{"owner": "alice"}', true], ['{"owner": "bob"}', false]],
  },

  // ---- unusual keys and values -------------------------------------------------------------------
  {
    name: "an emoji key and value compare exactly",
    filter: { "🔑": "🗝️" },
    rows: [['{"🔑": "🗝️"}', true], ['{"🔑": "🗝"}', false], ['{"🗝️": "🔑"}', false]],
  },
  {
    name: "a precomposed letter does not equal the same letter written with a combining mark",
    filter: { name: "é" },
    rows: [['{"name": "é"}', true], ['{"name": "e\\u0301"}', false], ['{"name": "e"}', false]],
  },
  {
    name: "a combining-mark key is not the precomposed key",
    filter: { "e\u0301": 1 },
    rows: [['{"e\\u0301": 1}', true], ['{"é": 1}', false]],
  },
  {
    name: "right-to-left text in keys and values compares exactly",
    filter: { "מפתח": "שלום", "مفتاح": { $contains: "مرحبا" } },
    rows: [
      ['{"מפתח": "שלום", "مفتاح": ["مرحبا"]}', true],
      ['{"מפתח": "\\u200fשלום", "مفتاح": ["مرحبا"]}', false],
      ['{"מפתח": "שלום", "مفتاح": ["مرحب"]}', false],
    ],
  },
  {
    name: "an escaped and a literal non-ASCII character are the same string",
    filter: { k: "ü😀" },
    rows: [['{"k": "\\u00fc\\ud83d\\ude00"}', true], ['{"k": "ü😀"}', true], ['{"k": "u😀"}', false]],
  },
  {
    name: "a __proto__ key is an ordinary metadata key",
    filter: JSON.parse('{"__proto__": "x"}'),
    rows: [['{"__proto__": "x"}', true], ['{"__proto__": "y"}', false], ['{"__proto__": ["x"]}', false], [missing, false]],
  },
  {
    name: "a __proto__ key works with $exists and $contains",
    filter: JSON.parse('{"$or": [{"__proto__": {"$contains": "a"}}, {"__proto__": {"$exists": false}}]}'),
    rows: [['{"__proto__": ["a"]}', true], [missing, true], ['{"__proto__": null}', false], ['{"__proto__": {"a": 1}}', false]],
  },
  {
    name: "a constructor key never reads Object.prototype",
    filter: { constructor: { $exists: true } },
    rows: [[missing, false], ['{"constructor": null}', true]],
  },
  {
    name: "a toString key is compared like any other key",
    filter: { toString: "x", hasOwnProperty: { $ne: 1 } },
    rows: [['{"toString": "x"}', true], ['{"toString": "x", "hasOwnProperty": 1}', false], [missing, false]],
  },
  {
    name: "a key with a dot names a top-level key, never a path",
    filter: { "a.b": 1 },
    rows: [['{"a.b": 1}', true], ['{"a": {"b": 1}}', false]],
  },
  {
    name: "a key with quotes and backslashes is matched literally",
    filter: { 'say "hi"\\now': { $in: ["x"] }, "back\\slash": "a\\b" },
    rows: [
      ['{"say \\"hi\\"\\\\now": "x", "back\\\\slash": "a\\\\b"}', true],
      ['{"say \\"hi\\"\\\\now": "x", "back\\\\slash": "ab"}', false],
      ['{"say hi now": "x", "back\\\\slash": "a\\\\b"}', false],
    ],
  },
  {
    name: "a key and a value that look like SQL are only data",
    filter: { "k'); DROP TABLE t; --": "' OR '1'='1", "?": { $exists: true } },
    rows: [
      ['{"k\'); DROP TABLE t; --": "\' OR \'1\'=\'1", "?": 0}', true],
      ['{"k\'); DROP TABLE t; --": "x", "?": 0}', false],
      ['{"k": "\' OR \'1\'=\'1", "?": 0}', false],
    ],
  },
  {
    name: "a key that looks like a jsonpath is an ordinary key",
    filter: { "a[0]": { $contains: "@" }, "x y": "$.z" },
    rows: [
      ['{"a[0]": ["@"], "x y": "$.z"}', true],
      ['{"a": ["@"], "x y": "$.z"}', false],
    ],
  },
  {
    name: "keys with spaces, an inner dollar sign and the empty key are ordinary keys",
    filter: { "first name": "Ada", "price$": 3, "": "empty" },
    rows: [
      ['{"first name": "Ada", "price$": 3, "": "empty"}', true],
      ['{"first name": "Ada", "price$": 3}', false],
      ['{"firstname": "Ada", "price$": 3, "": "empty"}', false],
    ],
  },
  {
    name: "newlines, tabs and control characters other than NUL compare exactly",
    filter: { "line\nbreak": "tab\there\u0001" },
    rows: [['{"line\\nbreak": "tab\\there\\u0001"}', true], ['{"line\\nbreak": "tab here\\u0001"}', false]],
  },
  {
    name: "a long string operand within the limit compares exactly",
    filter: { k: "x".repeat(10_000) },
    rows: [[JSON.stringify({ k: "x".repeat(10_000) }), true], [JSON.stringify({ k: "x".repeat(9_999) }), false]],
  },
  {
    name: "a filter built on a null-prototype object is accepted",
    filter: Object.assign(Object.create(null) as object, { owner: "alice" }),
    rows: [['{"owner": "alice"}', true], ['{"owner": "bob"}', false]],
  },

  // ---- rejected: unknown operators ---------------------------------------------------------------
  { name: "$where at the top level is rejected", filter: { $where: "this.owner == 'alice'" }, rejects: /unknown top-level operator \$where/, key: "$where" },
  { name: "$regex on a key is rejected", filter: { owner: { $regex: "^al" } }, rejects: /key "owner": unknown operator \$regex/, key: "owner" },
  { name: "$gt on a key is rejected", filter: { age: { $gt: 18 } }, rejects: /key "age": unknown operator \$gt/, key: "age" },
  { name: "a misspelt operator is rejected", filter: { owner: { $eqq: "alice" } }, rejects: /key "owner": unknown operator \$eqq/, key: "owner" },
  { name: "$not is rejected", filter: { owner: { $not: "alice" } }, rejects: /key "owner": unknown operator \$not/, key: "owner" },
  { name: "a field operator used at the top level is rejected", filter: { $eq: "alice" }, rejects: /unknown top-level operator \$eq/, key: "$eq" },
  { name: "an unknown operator inside $or is rejected", filter: { $or: [{ a: 1 }, { b: { $nin: [1] } }] }, rejects: /key "b": unknown operator \$nin/, key: "b" },

  // ---- rejected: malformed operator objects ------------------------------------------------------
  { name: "two operators in one object are rejected", filter: { k: { $eq: 1, $ne: 2 } }, rejects: /key "k": an operator object takes exactly one operator/, key: "k" },
  { name: "an operator mixed with a plain key is rejected", filter: { k: { $eq: 1, a: 2 } }, rejects: /key "k": an operator object takes exactly one operator, got \$eq, a/, key: "k" },
  { name: "a plain key before an operator is rejected too", filter: { k: { a: 2, $contains: "x" } }, rejects: /key "k": an operator object takes exactly one operator/, key: "k" },
  { name: "$in with a string is rejected", filter: { k: { $in: "open" } }, rejects: /key "k": \$in takes a list/, key: "k" },
  { name: "$in with an object is rejected", filter: { k: { $in: { a: 1 } } }, rejects: /key "k": \$in takes a list/, key: "k" },
  { name: "$in with null is rejected", filter: { k: { $in: null } }, rejects: /key "k": \$in takes a list/, key: "k" },
  { name: "$exists with a string is rejected", filter: { k: { $exists: "true" } }, rejects: /key "k": \$exists takes true or false/, key: "k" },
  { name: "$exists with a number is rejected", filter: { k: { $exists: 1 } }, rejects: /key "k": \$exists takes true or false/, key: "k" },
  { name: "$and with an object is rejected", filter: { $and: { owner: "alice" } }, rejects: /\$and takes a list of filters/, key: "$and" },
  { name: "$or with a string is rejected", filter: { $or: "owner" }, rejects: /\$or takes a list of filters/, key: "$or" },
  { name: "a child of $and that is not an object is rejected", filter: { $and: [{ a: 1 }, "b"] }, rejects: /a filter must be a plain object, got a string/ },
  { name: "a child of $or that is an array is rejected", filter: { $or: [[{ a: 1 }]] }, rejects: /a filter must be a plain object, got an array/ },

  // ---- rejected: operands that are not JSON ------------------------------------------------------
  { name: "NaN is rejected", filter: { k: NaN }, rejects: /key "k": NaN is not a JSON number/, key: "k" },
  { name: "Infinity is rejected", filter: { k: { $eq: Infinity } }, rejects: /key "k": Infinity is not a JSON number/, key: "k" },
  { name: "-Infinity inside $in is rejected", filter: { k: { $in: [1, -Infinity] } }, rejects: /key "k": -Infinity is not a JSON number/, key: "k" },
  { name: "an undefined operand is rejected", filter: { owner: undefined }, rejects: /key "owner": undefined is not a JSON value/, key: "owner" },
  { name: "an undefined $eq operand is rejected", filter: { owner: { $eq: undefined } }, rejects: /key "owner": undefined is not a JSON value/, key: "owner" },
  { name: "an undefined $contains operand is rejected", filter: { tags: { $contains: undefined } }, rejects: /key "tags": undefined is not a JSON value/, key: "tags" },
  { name: "undefined inside an array operand is rejected", filter: { tags: { $contains: ["a", undefined] } }, rejects: /key "tags": undefined is not a JSON value/, key: "tags" },
  { name: "a hole in an array operand is rejected", filter: { k: { $in: [1, , 2] } }, rejects: /key "k": undefined is not a JSON value/, key: "k" },
  { name: "undefined inside an object operand is rejected", filter: { k: { a: undefined } }, rejects: /key "k": undefined is not a JSON value/, key: "k" },
  { name: "a function operand is rejected", filter: { owner: () => "alice" }, rejects: /key "owner": a function is not a JSON value/, key: "owner" },
  { name: "a function inside $in is rejected", filter: { owner: { $in: [function alice() {}] } }, rejects: /key "owner": a function is not a JSON value/, key: "owner" },
  { name: "a Date operand is rejected", filter: { created: new Date(0) }, rejects: /key "created": a Date is not a JSON value/, key: "created" },
  { name: "a class instance operand is rejected", filter: { price: { $eq: new Money(5) } }, rejects: /key "price": a Money is not a JSON value/, key: "price" },
  { name: "a Map operand is rejected", filter: { k: new Map([["a", 1]]) }, rejects: /key "k": a Map is not a JSON value/, key: "k" },
  { name: "a boxed string operand is rejected", filter: { k: new String("x") }, rejects: /key "k": a String is not a JSON value/, key: "k" },
  { name: "a bigint operand is rejected", filter: { k: 1n }, rejects: /key "k": a bigint is not a JSON value/, key: "k" },
  { name: "a symbol operand is rejected", filter: { k: Symbol("x") }, rejects: /key "k": a symbol is not a JSON value/, key: "k" },
  { name: "a Date nested inside an object operand is rejected", filter: { k: { when: { at: new Date(0) } } }, rejects: /key "k": a Date is not a JSON value/, key: "k" },
  { name: "a filter that is a class instance is rejected", filter: new Money(5), rejects: /a filter must be a plain object, got a Money/ },
  { name: "a filter that is an array is rejected", filter: [{ owner: "alice" }], rejects: /a filter must be a plain object, got an array/ },

  // ---- rejected: text Postgres or the wire cannot carry ------------------------------------------
  { name: "a NUL character in a key is rejected", filter: { "a\u0000b": 1 }, rejects: /key "a\\u0000b": the key contains a NUL character/, key: "a\u0000b" },
  { name: "a NUL character in a string operand is rejected", filter: { k: "x\u0000" }, rejects: /key "k": a string operand contains a NUL character/, key: "k" },
  { name: "a NUL character in a $contains element is rejected", filter: { k: { $contains: ["ok", "\u0000"] } }, rejects: /key "k": a string operand contains a NUL character/, key: "k" },
  { name: "a NUL character in an operand object key is rejected", filter: { k: { "a\u0000": 1 } }, rejects: /key "k": an operand object key contains a NUL character/, key: "k" },
  { name: "a NUL character in a key inside $or is rejected", filter: { $or: [{ "\u0000": 1 }] }, rejects: /key "\\u0000": the key contains a NUL character/, key: "\u0000" },
  { name: "a lone surrogate in a string operand is rejected", filter: { k: "\ud800" }, rejects: /key "k": a string operand is not well-formed Unicode/, key: "k" },
  { name: "a lone surrogate in a key is rejected", filter: { "a\udc00": { $exists: true } }, rejects: /key "a\\udc00": the key is not well-formed Unicode/, key: "a\udc00" },
  { name: "a lone surrogate in an operand object key is rejected", filter: { k: { $in: [{ "\ud83d": 1 }] } }, rejects: /key "k": an operand object key is not well-formed Unicode/, key: "k" },
  {
    name: "a __proto__ key inside an operand object is rejected because the wire encoding drops it",
    filter: JSON.parse('{"k": {"__proto__": 1, "a": 2}}'),
    rejects: /key "k": an operand object key is "__proto__", which the wire encoding cannot carry/,
    key: "k",
  },

  // ---- rejected: limits --------------------------------------------------------------------------
  { name: "$and nested deeper than eight levels is rejected", filter: nestedAnd(9), rejects: /nests \$and\/\$or deeper than 8 levels/ },
  { name: "an operand nested deeper than 32 levels is rejected", filter: { k: nestedArray(40) }, rejects: /key "k": the operand nests deeper than 32 levels/, key: "k" },
  { name: "more than 256 conditions are rejected", filter: manyKeys(257), rejects: /more than 256 conditions/ },
  { name: "more than 256 conditions spread over $or are rejected", filter: { $or: Array.from({ length: 300 }, (_, index) => ({ k: index })) }, rejects: /more than 256 conditions/ },
  { name: "an operand longer than 16384 characters of JSON is rejected", filter: { k: { $in: ["x".repeat(20_000)] } }, rejects: /key "k": the operand is longer than 16384 characters of JSON/, key: "k" },
];
