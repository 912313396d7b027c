import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { unprocessable } from "./errors.js";

/** A request body after JSON parsing: its fields by name. */
export type Body = Readonly<Record<string, unknown>>;

/**
 * Type checks for request fields, done at the gateway because the store's
 * proto has no way to tell "absent" from "wrong type". Range and format
 * checks (UUIDs, page sizes, enum values) stay with the store, so each rule
 * lives in one place. `null` counts as absent, as in the LangGraph API.
 *
 * bodyObject: the body's fields; an empty body is `{}`, anything but an object is 422.
 */
export function bodyObject(body: unknown): Body {
  if (body === undefined || body === null) return {};
  if (!isObject(body)) throw unprocessable("body", "must be a JSON object");
  return body;
}

/** A string field; 422 for another JSON type. */
export function optionalString(body: Body, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw unprocessable(field, "must be a string");
  return value;
}

/** A string field that must be present and non-empty. */
export function requiredString(body: Body, field: string): string {
  const value = optionalString(body, field);
  if (value === undefined || value === "") throw unprocessable(field, "required");
  return value;
}

// Every integer of the store's API (limit, offset, version, max_depth) is an int32.
const int32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };

function int32Field(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < int32.min || value > int32.max) {
    throw unprocessable(field, "must be a 32-bit integer");
  }
  return value;
}

/** An integer field, within the int32 the store's proto carries (a larger one would fail to encode, not be clamped). */
export function optionalInt(body: Body, field: string): number | undefined {
  const value = body[field];
  return value === undefined || value === null ? undefined : int32Field(field, value);
}

/** A boolean field. */
export function optionalBoolean(body: Body, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw unprocessable(field, "must be a boolean");
  return value;
}

/** A JSON object field (metadata, config, values, filter). */
export function optionalObject(body: Body, field: string): JsonObject | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw unprocessable(field, "must be a JSON object");
  return value as JsonObject;
}

/** A list-of-strings field (namespaces, ids, select). */
export function optionalStringList(body: Body, field: string): string[] | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) throw unprocessable(field, "must be a list of strings");
  return value as string[];
}

/** A field the LangGraph API lets be one string or a list of them (stream_mode). */
export function optionalStringOrList(body: Body, field: string): string[] | undefined {
  const value = body[field];
  return typeof value === "string" ? [value] : optionalStringList(body, field);
}

/** Any JSON value (a run's input); undefined when absent or null. */
export function optionalJson(body: Body, field: string): JsonValue | undefined {
  const value = body[field];
  return value === undefined || value === null ? undefined : (value as JsonValue);
}

/**
 * Rejects fields Gatehouse cannot honour, so a client learns it instead of
 * having its option silently dropped. A field set to null, `{}`, `[]` or one
 * of the `allowed` values (the reference's default) asks for nothing and passes.
 */
export function rejectFields(body: Body, fields: readonly string[], reason: string, allowed: readonly unknown[] = []): void {
  for (const field of fields) {
    const value = body[field];
    if (value === undefined || value === null || allowed.includes(value)) continue;
    if ((isObject(value) && Object.keys(value).length === 0) || (Array.isArray(value) && value.length === 0)) continue;
    throw unprocessable(field, reason);
  }
}

/** A query flag (`wait=1`, `recurse=true`, any case); false when absent. */
export function queryFlag(query: URLSearchParams, name: string): boolean {
  return /^(true|1)$/i.test(query.get(name) ?? "");
}

/** An integer query parameter; undefined when absent. */
export function queryInt(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null || text === "") return undefined;
  if (!/^-?\d+$/.test(text)) throw unprocessable(name, "must be a 32-bit integer");
  return int32Field(name, Number(text));
}

/** Keeps only the selected fields of a response object, as the `select` option asks; all of them when none are selected. */
export function pick<T extends Record<string, unknown>>(object: T, select: readonly string[] | undefined): Partial<T> {
  if (select === undefined || select.length === 0) return object;
  return Object.fromEntries(Object.entries(object).filter(([key]) => select.includes(key))) as Partial<T>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
