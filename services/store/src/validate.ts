import { randomUUID } from "node:crypto";
import { invalidArgument } from "@gatehouse/errors";
import { findJsonProblem, type JsonObject } from "@gatehouse/filters";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Input limits of the resource API. */
export const limits = {
  maxPageSize: 1_000,
  defaultPageSize: 10,
  maxOffset: 1_000_000,
  maxMetadataBytes: 64 * 1024,
  maxValueBytes: 1024 * 1024,
  maxNamespaceDepth: 32,
  /** Deepest nesting of objects and arrays in any JSON field (metadata, values, config, input, item value, filter), the field itself being level 1. */
  maxJsonDepth: 32,
  maxLabelLength: 256,
  maxKeyLength: 1_024,
  maxTextLength: 1_024,
  maxIds: 1_000,
} as const;

/** A required UUID, lower-cased. */
export function requireUuid(field: string, value: string): string {
  if (value === "") throw invalidArgument(field, "required");
  if (!uuidPattern.test(value)) throw invalidArgument(field, "must be a UUID");
  return value.toLowerCase();
}

/** A caller-chosen UUID, or a new one when empty. */
export function uuidOrNew(field: string, value: string): string {
  return value === "" ? randomUUID() : requireUuid(field, value);
}

/** A page: limit 0 means the default; both bounded. */
export function page(limit: number, offset: number): { limit: number; offset: number } {
  if (limit < 0 || limit > limits.maxPageSize) throw invalidArgument("limit", `must be between 0 and ${limits.maxPageSize}`);
  if (offset < 0 || offset > limits.maxOffset) throw invalidArgument("offset", `must be between 0 and ${limits.maxOffset}`);
  return { limit: limit === 0 ? limits.defaultPageSize : limit, offset };
}

/** One of the allowed strings, or the default when empty. */
export function oneOf<T extends string>(field: string, value: string, allowed: readonly T[], fallback: T): T {
  if (value === "") return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalidArgument(field, `must be one of ${allowed.map((item) => `"${item}"`).join(", ")}`);
  }
  return value as T;
}

/** One of the allowed strings, or undefined when empty. */
export function optionalOneOf<T extends string>(field: string, value: string, allowed: readonly T[]): T | undefined {
  return value === "" ? undefined : oneOf(field, value, allowed, allowed[0]!);
}

/** The fields a search may sort by, and the directions. */
export const sortFields = ["created_at", "updated_at"] as const;
export const sortOrders = ["desc", "asc"] as const;

/** An optional list of UUIDs, bounded; undefined when empty. */
export function idList(field: string, ids: readonly string[]): string[] | undefined {
  if (ids.length === 0) return undefined;
  if (ids.length > limits.maxIds) throw invalidArgument(field, `more than ${limits.maxIds} ids`);
  return ids.map((id, i) => requireUuid(`${field}[${i}]`, id));
}

/** A bounded text without NUL characters, which Postgres cannot store. */
export function text(field: string, value: string, options: { required?: boolean; maxLength?: number } = {}): string {
  const { required = false, maxLength = limits.maxTextLength } = options;
  if (required && value === "") throw invalidArgument(field, "required");
  if (value.length > maxLength) throw invalidArgument(field, `longer than ${maxLength} characters`);
  if (value.includes("\u0000")) throw invalidArgument(field, "contains a NUL character");
  return value;
}

/**
 * A JSON object within a size bound, storable in jsonb (no NUL characters,
 * which jsonb rejects; no NaN or Infinity, which JSON text would turn into
 * null; no deeper than limits.maxJsonDepth; no "__proto__" key). Returns its
 * JSON text, ready to bind.
 */
export function jsonObjectText(field: string, value: JsonObject | undefined, maxBytes: number = limits.maxMetadataBytes): string {
  const problem = findJsonProblem(value ?? {}, field, limits.maxJsonDepth);
  if (problem) throw invalidArgument(problem.path, problem.problem);
  const json = JSON.stringify(value ?? {});
  if (Buffer.byteLength(json) > maxBytes) throw invalidArgument(field, `larger than ${maxBytes} bytes of JSON`);
  if (json.includes("\\u0000")) throw invalidArgument(field, "contains a NUL character");
  return json;
}

/** A store namespace: 1..32 non-empty labels without dots or NUL. */
export function namespace(field: string, labels: readonly string[], { allowEmpty = false } = {}): string[] {
  if (labels.length === 0 && !allowEmpty) throw invalidArgument(field, "must have at least one label");
  if (labels.length > limits.maxNamespaceDepth) throw invalidArgument(field, `deeper than ${limits.maxNamespaceDepth} labels`);
  for (const label of labels) {
    if (label === "") throw invalidArgument(field, "labels must not be empty");
    if (label.includes(".")) throw invalidArgument(field, "labels must not contain '.'");
    text(field, label, { maxLength: limits.maxLabelLength });
  }
  return [...labels];
}

/** Removes undefined fields, so a value travels as JSON. */
export function compact(value: Record<string, unknown>): JsonObject {
  const result: JsonObject = {};
  for (const [key, field] of Object.entries(value)) {
    if (field !== undefined) result[key] = field as JsonObject[string];
  }
  return result;
}

/**
 * The metadata to store as JSON text: what the caller's handler left in
 * value.metadata, or the request's when it left none, validated like input.
 */
export function storedMetadata(access: { metadata: JsonObject | undefined }, requested: JsonObject | undefined): string {
  return jsonObjectText("metadata", access.metadata ?? requested);
}
