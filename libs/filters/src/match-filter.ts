import type { FilterExpr, JsonObject, JsonValue } from "./filter-expr.js";
import { jsonEqual } from "./json-equal.js";

/**
 * Evaluates a filter against one metadata object in memory. It defines the
 * meaning the SQL compiler must reproduce; the conformance suite checks that
 * both agree.
 */
export function matchesFilter(filter: FilterExpr, metadata: JsonObject): boolean {
  switch (filter.op) {
    case "and":
      return filter.filters.every((child) => matchesFilter(child, metadata));
    case "or":
      return filter.filters.some((child) => matchesFilter(child, metadata));
    case "eq":
      return Object.hasOwn(metadata, filter.key) && jsonEqual(metadata[filter.key]!, filter.value);
    case "ne":
      return !(Object.hasOwn(metadata, filter.key) && jsonEqual(metadata[filter.key]!, filter.value));
    case "in":
      return Object.hasOwn(metadata, filter.key) && filter.values.some((value) => jsonEqual(metadata[filter.key]!, value));
    case "contains": {
      const field = Object.hasOwn(metadata, filter.key) ? metadata[filter.key] : undefined;
      return Array.isArray(field) && filter.values.every((value) => field.some((element: JsonValue) => jsonEqual(element, value)));
    }
    case "exists":
      return Object.hasOwn(metadata, filter.key) === filter.present;
  }
}
