import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { fromJson, toJson } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, ValueSchema, type Timestamp, type Value } from "@bufbuild/protobuf/wkt";
import { findJsonProblem } from "@gatehouse/filters";
import { unprocessable } from "./errors.js";

/**
 * The store's Timestamp as the ISO-8601 string LangGraph clients read
 * (`2025-01-31T12:00:00.000Z`); null when the store left it unset.
 */
export function isoTime(timestamp: Timestamp | undefined): string | null {
  return timestamp === undefined ? null : timestampDate(timestamp).toISOString();
}

/** Like isoTime, for the timestamps every stored row has (created_at, updated_at). */
export function requiredIsoTime(timestamp: Timestamp | undefined): string {
  return isoTime(timestamp) ?? new Date(0).toISOString();
}

/** An ISO-8601 request field (a cron's end_time) as a Timestamp; 422 naming the field when it does not parse. */
export function timestampFromIso(field: string, text: string | undefined): Timestamp | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw unprocessable(field, "must be an ISO-8601 date-time");
  return timestampFromDate(date);
}

/**
 * A JSON value (a run's input) as google.protobuf.Value; 422 naming the field
 * for a value no JSON field may hold (NaN or Infinity, which protobuf would
 * carry on, too deep, a "__proto__" key), should one get past the body check.
 */
export function protoValue(value: JsonValue | undefined, field = "input"): Value | undefined {
  if (value === undefined) return undefined;
  const found = findJsonProblem(value, field);
  if (found) throw unprocessable(found.path, found.problem);
  return fromJson(ValueSchema, value);
}

/** A google.protobuf.Struct the store may leave unset, as the `{}` LangGraph clients expect. */
export function object(struct: JsonObject | undefined): JsonObject {
  return struct ?? {};
}

/**
 * The resource a store response must carry. Its absence is a broken store,
 * not a client error: it surfaces as a logged 500.
 */
export function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the store answered without ${what}`);
  return value;
}

/** A google.protobuf.Value from the store (a thread state, a graph) as the plain JSON LangGraph clients read; `fallback` when unset. */
export function plain(value: Value | undefined, fallback: JsonValue = null): JsonValue {
  return value === undefined ? fallback : toJson(ValueSchema, value);
}
