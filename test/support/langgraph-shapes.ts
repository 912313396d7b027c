/**
 * Run-time halves of the LangGraph contract: the fields the SDK's types
 * (`Thread`, `Assistant`, `Run`, `Cron`, `Item`, …) promise, with the JS type
 * each must have on the wire, so a live answer can be checked against them.
 */
import { expect } from "vitest";
import { Client } from "@langchain/langgraph-sdk";

/** What a field holds: a JS type, an ISO-8601 timestamp, or null; a list means any of them. */
export type FieldKind = "string" | "number" | "boolean" | "object" | "array" | "iso" | "null";

const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function kindOf(value: unknown): FieldKind[] {
  if (value === null) return ["null"];
  if (Array.isArray(value)) return ["array"];
  if (typeof value === "string") return iso.test(value) ? ["string", "iso"] : ["string"];
  return [typeof value as FieldKind];
}

/** Asserts that `value` has every listed field with one of its allowed kinds, naming the field that does not. */
export function expectShape(value: unknown, shape: Readonly<Record<string, FieldKind | readonly FieldKind[]>>): void {
  expect(value, "a JSON object").toBeTypeOf("object");
  for (const [field, allowed] of Object.entries(shape)) {
    const kinds = typeof allowed === "string" ? [allowed] : allowed;
    const record = value as Record<string, unknown>;
    expect(Object.hasOwn(record, field), `field ${field} is present`).toBe(true);
    expect(
      kindOf(record[field]).some((kind) => kinds.includes(kind)),
      `field ${field} is ${kinds.join(" or ")}, got ${JSON.stringify(record[field])}`,
    ).toBe(true);
  }
}

/** schema.d.ts `Thread`. */
export const threadShape = {
  thread_id: "string",
  created_at: "iso",
  updated_at: "iso",
  state_updated_at: "iso",
  metadata: "object",
  status: "string",
  values: ["object", "array"],
  interrupts: "object",
} as const;

/** schema.d.ts `AssistantVersion` (`AssistantBase`). */
export const assistantVersionShape = {
  assistant_id: "string",
  graph_id: "string",
  config: "object",
  context: ["object", "null"],
  created_at: "iso",
  metadata: "object",
  version: "number",
  name: "string",
  description: ["string", "null"],
} as const;

/** schema.d.ts `Assistant`. */
export const assistantShape = { ...assistantVersionShape, updated_at: "iso" } as const;

/** schema.d.ts `Run`. */
export const runShape = {
  run_id: "string",
  thread_id: "string",
  assistant_id: "string",
  created_at: "iso",
  updated_at: "iso",
  status: "string",
  metadata: "object",
  multitask_strategy: ["string", "null"],
} as const;

/** schema.d.ts `Cron`; `CronCreateResponse` is the same fields. */
export const cronShape = {
  cron_id: "string",
  assistant_id: "string",
  thread_id: ["string", "null"],
  end_time: ["iso", "null"],
  schedule: "string",
  timezone: ["string", "null"],
  created_at: "iso",
  updated_at: "iso",
  payload: "object",
  user_id: ["string", "null"],
  next_run_date: ["iso", "null"],
  metadata: "object",
  enabled: "boolean",
} as const;

/** schema.d.ts `Item`, after the SDK adds its camel-case timestamps. */
export const itemShape = {
  namespace: "array",
  key: "string",
  value: "object",
  createdAt: "iso",
  updatedAt: "iso",
} as const;

/** The HTTP error the SDK raises for a non-2xx answer: its status, body text and response. */
export interface SdkHttpError {
  status: number;
  text: string;
  message: string;
  response?: Response;
}

/** Awaits a call that must fail with an HTTP error and returns that error. */
export async function httpErrorOf(call: Promise<unknown> | AsyncIterable<unknown>): Promise<SdkHttpError> {
  try {
    if (Symbol.asyncIterator in call) {
      for await (const _ of call) break;
    } else {
      await call;
    }
  } catch (error) {
    expect(error, "an HTTP error with a status").toHaveProperty("status");
    return error as SdkHttpError;
  }
  throw new Error("expected the call to fail with an HTTP error, and it succeeded");
}

/** The `detail` of a LangGraph error body. */
export function detailOf(error: SdkHttpError): string {
  return (JSON.parse(error.text) as { detail: string }).detail;
}

/**
 * The stock SDK client as an application builds it, authenticating as the
 * holder of `token`. `apiKey: null` keeps LANGSMITH_API_KEY and friends from
 * the environment out of the requests; `maxRetries` 0 makes a 5xx answer
 * (the 501 of an unsupported GET) fail at once instead of after back-off.
 */
export function sdkClient(apiUrl: string, token?: string, { maxRetries }: { maxRetries?: number } = {}): Client {
  return new Client({
    apiUrl,
    apiKey: null,
    defaultHeaders: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    ...(maxRetries !== undefined && { callerOptions: { maxRetries } }),
  });
}
