import type { FilterExpr } from "./filter-expr.js";

/**
 * The shape of a filter without its operands, for audit logs:
 * `and(eq(owner), contains(allowed_users))`. Operands may be personal data,
 * so they are left out.
 */
export function describeFilterShape(filter: FilterExpr): string {
  switch (filter.op) {
    case "and":
    case "or":
      return `${filter.op}(${filter.filters.map(describeFilterShape).join(", ")})`;
    default:
      return `${filter.op}(${filter.key})`;
  }
}
