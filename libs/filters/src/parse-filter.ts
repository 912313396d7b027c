import { FilterError } from "./filter-error.js";
import type { FilterExpr, JsonValue } from "./filter-expr.js";

/** Bounds on what a handler may return, so one filter cannot exhaust the database. */
export interface FilterLimits {
  /** Deepest nesting of $and / $or. */
  maxDepth: number;
  /** Most conditions (leaves) in one filter. */
  maxConditions: number;
  /** Longest operand, in characters of JSON. */
  maxOperandLength: number;
}

export const defaultFilterLimits: FilterLimits = { maxDepth: 8, maxConditions: 256, maxOperandLength: 16_384 };

const fieldOperators = new Set(["$eq", "$ne", "$contains", "$in", "$exists"]);

/**
 * Turns the plain object an authorization handler returned into a validated
 * FilterExpr, or throws FilterError naming the offending key.
 *
 * README "Filters", with the Gatehouse extensions: `{k: v}` and `{k: {$eq: v}}` test
 * JSON equality, `{k: {$contains: v | [v...]}}` array membership, plus `$ne`,
 * `$in`, `$exists`, and top-level `$and` / `$or` lists. Anything else, such
 * as an unknown or misspelt operator or two operators in one object, is an
 * error, never a match.
 *
 * It also rejects what the store could not apply exactly (authz rejects
 * what it cannot represent): text Postgres cannot
 * hold (NUL characters), text that is not well-formed Unicode (a lone
 * surrogate would reach Postgres as U+FFFD and match a different key or
 * value), and operand objects with a "__proto__" key, which the
 * google.protobuf.Struct encoding on the wire silently drops.
 */
export function parseFilter(input: unknown, limits: FilterLimits = defaultFilterLimits): FilterExpr {
  const budget = { conditions: 0 };
  return parseObject(input, 0, limits, budget);
}

function parseObject(input: unknown, depth: number, limits: FilterLimits, budget: { conditions: number }): FilterExpr {
  if (!isPlainObject(input)) {
    throw new FilterError(`a filter must be a plain object, got ${describeType(input)}`);
  }
  if (depth > limits.maxDepth) {
    throw new FilterError(`the filter nests $and/$or deeper than ${limits.maxDepth} levels`);
  }
  const filters: FilterExpr[] = [];
  for (const key of Object.keys(input)) {
    const operand = input[key];
    if (key === "$and" || key === "$or") {
      if (!Array.isArray(operand)) throw new FilterError(`${key} takes a list of filters, got ${describeType(operand)}`, key);
      // Every listed filter counts, so a long list of empty filters cannot grow the SQL unbounded.
      budget.conditions += operand.length;
      if (budget.conditions > limits.maxConditions) {
        throw new FilterError(`the filter has more than ${limits.maxConditions} conditions`);
      }
      const children = operand.map((child) => parseObject(child, depth + 1, limits, budget));
      filters.push({ op: key === "$and" ? "and" : "or", filters: children });
      continue;
    }
    if (key.startsWith("$")) throw new FilterError(`unknown top-level operator ${key}`, key);
    checkKey(key);
    budget.conditions += 1;
    if (budget.conditions > limits.maxConditions) {
      throw new FilterError(`the filter has more than ${limits.maxConditions} conditions`);
    }
    filters.push(parseCondition(key, operand, limits));
  }
  return filters.length === 1 ? filters[0]! : { op: "and", filters };
}

function parseCondition(key: string, operand: unknown, limits: FilterLimits): FilterExpr {
  if (isPlainObject(operand)) {
    const names = Object.keys(operand);
    const operators = names.filter((name) => name.startsWith("$"));
    if (operators.length > 0) {
      if (operators.length !== names.length || names.length !== 1) {
        throw new FilterError(`key ${quote(key)}: an operator object takes exactly one operator, got ${names.join(", ")}`, key);
      }
      return parseOperator(key, operators[0]!, operand[operators[0]!], limits);
    }
  }
  return { op: "eq", key, value: toJson(key, operand, limits) };
}

function parseOperator(key: string, operator: string, operand: unknown, limits: FilterLimits): FilterExpr {
  if (!fieldOperators.has(operator)) {
    throw new FilterError(`key ${quote(key)}: unknown operator ${operator}`, key);
  }
  switch (operator) {
    case "$eq":
      return { op: "eq", key, value: toJson(key, operand, limits) };
    case "$ne":
      return { op: "ne", key, value: toJson(key, operand, limits) };
    case "$contains": {
      const value = toJson(key, operand, limits);
      return { op: "contains", key, values: Array.isArray(value) ? value : [value] };
    }
    case "$in": {
      const value = toJson(key, operand, limits);
      if (!Array.isArray(value)) throw new FilterError(`key ${quote(key)}: $in takes a list`, key);
      return { op: "in", key, values: value };
    }
    default: {
      if (typeof operand !== "boolean") throw new FilterError(`key ${quote(key)}: $exists takes true or false`, key);
      return { op: "exists", key, present: operand };
    }
  }
}

function checkKey(key: string): void {
  const problem = textProblem(key);
  if (problem) throw new FilterError(`key ${quote(key)}: the key ${problem}`, key);
}

const loneSurrogate = /[\uD800-\uDFFF]/u;

/** Says what keeps a text from reaching Postgres unchanged, if anything. */
function textProblem(text: string): string | undefined {
  if (text.includes("\u0000")) return "contains a NUL character";
  if (loneSurrogate.test(text)) return "is not well-formed Unicode (it has a lone surrogate)";
  return undefined;
}

/** Writes a key into a message as a JSON string, so control characters and lone surrogates show escaped. */
function quote(key: string): string {
  return JSON.stringify(key);
}

/** Checks that a handler's operand is plain JSON Postgres can store, within the size limit. */
function toJson(key: string, operand: unknown, limits: FilterLimits): JsonValue {
  checkJson(key, operand, 0);
  const text = JSON.stringify(operand);
  if (text.length > limits.maxOperandLength) {
    throw new FilterError(`key ${quote(key)}: the operand is longer than ${limits.maxOperandLength} characters of JSON`, key);
  }
  return operand as JsonValue;
}

function checkJson(key: string, value: unknown, depth: number): void {
  if (depth > 32) throw new FilterError(`key ${quote(key)}: the operand nests deeper than 32 levels`, key);
  if (value === null || typeof value === "boolean") return;
  if (typeof value === "string") {
    const problem = textProblem(value);
    if (problem) throw new FilterError(`key ${quote(key)}: a string operand ${problem}`, key);
    return;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new FilterError(`key ${quote(key)}: ${value} is not a JSON number`, key);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) checkJson(key, item, depth + 1);
    return;
  }
  if (isPlainObject(value)) {
    for (const name of Object.keys(value)) {
      const problem = name === "__proto__" ? "is \"__proto__\", which the wire encoding cannot carry" : textProblem(name);
      if (problem) throw new FilterError(`key ${quote(key)}: an operand object key ${problem}`, key);
      checkJson(key, value[name], depth + 1);
    }
    return;
  }
  throw new FilterError(`key ${quote(key)}: ${describeType(value)} is not a JSON value`, key);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Names a value's type for error messages: "a number", "an array", "a Date", "undefined", ... */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") {
    const name = Object.getPrototypeOf(value)?.constructor?.name;
    return name && name !== "Object" ? `a ${name}` : "an object";
  }
  return `a ${typeof value}`;
}
