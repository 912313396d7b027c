import { fromJson, toJson, type MessageInitShape } from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@bufbuild/protobuf/wkt";
import type { Filter, FilterSchema } from "@gatehouse/contracts";
import { FilterError } from "./filter-error.js";
import type { FilterExpr, JsonValue } from "./filter-expr.js";
import { findJsonProblem } from "./json-problem.js";

/** Encodes a filter as the typed expression tree of gatehouse.type.v1.Filter. */
export function filterToProto(filter: FilterExpr): MessageInitShape<typeof FilterSchema> {
  switch (filter.op) {
    case "and":
    case "or":
      return { expr: { case: filter.op, value: { filters: filter.filters.map(filterToProto) } } };
    case "eq":
    case "ne":
      return { expr: { case: filter.op, value: { key: filter.key, value: fromJson(ValueSchema, filter.value) } } };
    case "contains":
    case "in":
      return { expr: { case: filter.op, value: { key: filter.key, values: filter.values.map((value) => fromJson(ValueSchema, value)) } } };
    case "exists":
      return { expr: { case: "exists", value: { key: filter.key, present: filter.present } } };
  }
}

/**
 * Decodes a filter received on the wire. A node with no expression (for
 * example one set by a newer client with an operator this build does not
 * know) is an error, never a match.
 */
export function filterFromProto(filter: Filter): FilterExpr {
  const { expr } = filter;
  switch (expr.case) {
    case "and":
    case "or":
      return { op: expr.case, filters: expr.value.filters.map(filterFromProto) };
    case "eq":
    case "ne":
      return { op: expr.case, key: expr.value.key, value: operand(expr.value.value) };
    case "contains":
    case "in":
      return { op: expr.case, key: expr.value.key, values: expr.value.values.map(operand) };
    case "exists":
      return { op: "exists", key: expr.value.key, present: expr.value.present };
    default:
      throw new FilterError("a filter node has no expression this server understands");
  }
}

function operand(value: Value | undefined): JsonValue {
  if (value === undefined || value.kind.case === undefined) {
    throw new FilterError("a filter operand is missing");
  }
  // protobuf can carry NaN and Infinity, which no JSON document (and no jsonb row) holds: fail closed.
  let json: JsonValue;
  try {
    json = toJson(ValueSchema, value) as JsonValue;
  } catch {
    throw new FilterError("a filter operand holds NaN or Infinity, which is not a JSON number");
  }
  const problem = findJsonProblem(json, "operand");
  if (problem) throw new FilterError(`a filter operand: ${problem.path} ${problem.problem}`);
  return json;
}
