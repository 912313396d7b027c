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
 * SPEC §5 with the Gatehouse extensions: `{k: v}` and `{k: {$eq: v}}` test
 * JSON equality, `{k: {$contains: v | [v...]}}` array membership, plus `$ne`,
 * `$in`, `$exists`, and top-level `$and` / `$or` lists. Anything else, such
 * as an unknown or misspelt operator or two operators in one object, is an
 * error, never a match.
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
      if (!Array.isArray(operand)) throw new FilterError(`${key} takes a list of filters`, key);
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
        throw new FilterError(`key "${key}": an operator object takes exactly one operator, got ${names.join(", ")}`, key);
      }
      return parseOperator(key, operators[0]!, operand[operators[0]!], limits);
    }
  }
  return { op: "eq", key, value: toJson(key, operand, limits) };
}

function parseOperator(key: string, operator: string, operand: unknown, limits: FilterLimits): FilterExpr {
  if (!fieldOperators.has(operator)) {
    throw new FilterError(`key "${key}": unknown operator ${operator}`, key);
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
      if (!Array.isArray(value)) throw new FilterError(`key "${key}": $in takes a list`, key);
      return { op: "in", key, values: value };
    }
    default: {
      if (typeof operand !== "boolean") throw new FilterError(`key "${key}": $exists takes true or false`, key);
      return { op: "exists", key, present: operand };
    }
  }
}

function checkKey(key: string): void {
  if (key.includes("\u0000")) throw new FilterError("a filter key contains a NUL character", key);
}

/** Checks that a handler's operand is plain JSON Postgres can store, within the size limit. */
function toJson(key: string, operand: unknown, limits: FilterLimits): JsonValue {
  checkJson(key, operand, 0);
  const text = JSON.stringify(operand);
  if (text.length > limits.maxOperandLength) {
    throw new FilterError(`key "${key}": the operand is longer than ${limits.maxOperandLength} characters of JSON`, key);
  }
  return operand as JsonValue;
}

function checkJson(key: string, value: unknown, depth: number): void {
  if (depth > 32) throw new FilterError(`key "${key}": the operand nests deeper than 32 levels`, key);
  if (value === null || typeof value === "boolean") return;
  if (typeof value === "string") {
    if (value.includes("\u0000")) throw new FilterError(`key "${key}": a string operand contains a NUL character`, key);
    return;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new FilterError(`key "${key}": ${value} is not a JSON number`, key);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) checkJson(key, item, depth + 1);
    return;
  }
  if (isPlainObject(value)) {
    for (const name of Object.keys(value)) {
      if (name.includes("\u0000")) throw new FilterError(`key "${key}": an operand key contains a NUL character`, key);
      checkJson(key, value[name], depth + 1);
    }
    return;
  }
  throw new FilterError(`key "${key}": ${describeType(value)} is not a JSON value`, key);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Names a value's type for error messages: "a number", "an array", "a Date", ... */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") {
    const name = Object.getPrototypeOf(value)?.constructor?.name;
    return name && name !== "Object" ? `a ${name}` : "an object";
  }
  return `a ${typeof value}`;
}
