/** A JSON value as stored in metadata and compared by filters. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object, such as a resource's metadata. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * A validated filter over a metadata object: the one form the matcher, the
 * SQL compiler and the wire encoding all work from. Keys name top-level
 * metadata fields.
 */
export type FilterExpr =
  | { readonly op: "and"; readonly filters: readonly FilterExpr[] }
  | { readonly op: "or"; readonly filters: readonly FilterExpr[] }
  | { readonly op: "eq"; readonly key: string; readonly value: JsonValue }
  | { readonly op: "ne"; readonly key: string; readonly value: JsonValue }
  | { readonly op: "contains"; readonly key: string; readonly values: readonly JsonValue[] }
  | { readonly op: "in"; readonly key: string; readonly values: readonly JsonValue[] }
  | { readonly op: "exists"; readonly key: string; readonly present: boolean };

/** The filter that matches every row. */
export const matchAll: FilterExpr = { op: "and", filters: [] };

/** True for JSON strings, numbers, booleans and null. */
export function isScalar(value: JsonValue): value is string | number | boolean | null {
  return value === null || typeof value !== "object";
}
