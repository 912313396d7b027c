/**
 * Authorization filters: parsing what a handler returned, matching in memory,
 * compiling to parameterized SQL over jsonb, and the wire encoding. The
 * matcher and the compiler define one meaning; test/conformance holds them to
 * it.
 */
export type { FilterExpr, JsonValue, JsonObject } from "./filter-expr.js";
export { matchAll, isScalar } from "./filter-expr.js";
export { FilterError } from "./filter-error.js";
export { parseFilter, describeType, defaultFilterLimits, type FilterLimits } from "./parse-filter.js";
export { matchesFilter } from "./match-filter.js";
export { jsonEqual } from "./json-equal.js";
export { compileFilter, type SqlTarget } from "./compile-filter.js";
export { filterToProto, filterFromProto } from "./filter-proto.js";
export { describeFilterShape } from "./describe-filter.js";
export { findJsonProblem, defaultMaxJsonDepth, type JsonProblem } from "./json-problem.js";
