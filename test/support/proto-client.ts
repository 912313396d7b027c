/**
 * A store client built the way any language would build one: from the
 * .proto files alone, with @grpc/grpc-js and @grpc/proto-loader, not from
 * the generated TypeScript.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { resolve } from "node:path";

const protoRoot = resolve(import.meta.dirname, "../../proto");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type ProtoValue = Record<string, unknown>;

/** Encodes JSON as google.protobuf.Struct the way proto-loader expects it. */
export function toStruct(object: Record<string, Json>): { fields: Record<string, ProtoValue> } {
  return { fields: Object.fromEntries(Object.entries(object).map(([key, value]) => [key, toValue(value)])) };
}

export function toValue(value: Json): ProtoValue {
  if (value === null) return { nullValue: "NULL_VALUE" };
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number") return { numberValue: value };
  if (typeof value === "string") return { stringValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(toValue) } };
  return { structValue: toStruct(value) };
}

/** Decodes a google.protobuf.Struct from proto-loader into JSON. */
export function fromStruct(struct: { fields?: Record<string, ProtoValue> } | null | undefined): Record<string, Json> {
  return Object.fromEntries(Object.entries(struct?.fields ?? {}).map(([key, value]) => [key, fromValue(value)]));
}

function fromValue(value: ProtoValue): Json {
  switch (value.kind) {
    case "nullValue":
      return null;
    case "boolValue":
      return value.boolValue as boolean;
    case "numberValue":
      return value.numberValue as number;
    case "stringValue":
      return value.stringValue as string;
    case "listValue":
      return ((value.listValue as { values?: ProtoValue[] }).values ?? []).map(fromValue);
    default:
      return fromStruct(value.structValue as { fields?: Record<string, ProtoValue> });
  }
}

const definition = protoLoader.loadSync(
  ["thread_service.proto", "assistant_service.proto", "run_service.proto", "item_service.proto", "cron_service.proto", "caller_service.proto"].map(
    (file) => `gatehouse/store/v1/${file}`,
  ),
  { includeDirs: [protoRoot], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true },
);
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  gatehouse: { store: { v1: Record<string, grpc.ServiceClientConstructor> } };
};

/** The outcome of one call: the response, or the gRPC error with its trailers. */
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: grpc.ServiceError };

/** What a server stream sent before it ended, and the status it ended with when that was an error. */
export interface StreamResult<T> {
  messages: T[];
  error?: grpc.ServiceError;
}

/** A store client that authenticates with a bearer token (or any metadata). */
export interface StoreClient {
  /** Calls a store method; the deadline is 10 s unless `timeoutMs` says otherwise. */
  call<T = Record<string, any>>(service: string, method: string, request: object, options?: { timeoutMs?: number }): Promise<CallResult<T>>;
  /** Calls a server-streaming method and reads it to its end: every message received, and the error it ended with, if any. */
  stream<T = Record<string, any>>(service: string, method: string, request: object, options?: { timeoutMs?: number }): Promise<StreamResult<T>>;
  close(): void;
}

export function storeClient(address: string, headers: Record<string, string>): StoreClient {
  const clients = new Map<string, grpc.Client>();
  const clientFor = (service: string) => {
    let client = clients.get(service);
    if (client === undefined) {
      const Constructor = loaded.gatehouse.store.v1[service];
      if (Constructor === undefined) throw new Error(`no service ${service} in the store's protos`);
      client = new Constructor(address, grpc.credentials.createInsecure());
      clients.set(service, client);
    }
    return client;
  };
  const metadataOf = () => {
    const metadata = new grpc.Metadata();
    for (const [name, value] of Object.entries(headers)) metadata.set(name, value);
    return metadata;
  };
  return {
    call(service, method, request, options) {
      const metadata = metadataOf();
      const client = clientFor(service) as unknown as Record<
        string,
        (request: object, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<any>) => void
      >;
      return new Promise((resolvePromise) => {
        client[method]!.call(client, request, metadata, { deadline: Date.now() + (options?.timeoutMs ?? 10_000) }, (error, value) => {
          resolvePromise(error ? { ok: false, error } : { ok: true, value });
        });
      });
    },
    stream(service, method, request, options) {
      const client = clientFor(service) as unknown as Record<string, (request: object, metadata: grpc.Metadata, options: grpc.CallOptions) => grpc.ClientReadableStream<any>>;
      const call = client[method]!.call(client, request, metadataOf(), { deadline: Date.now() + (options?.timeoutMs ?? 10_000) });
      const messages: any[] = [];
      return new Promise((resolvePromise) => {
        call.on("data", (message) => messages.push(message));
        call.on("error", (error: grpc.ServiceError) => resolvePromise({ messages, error }));
        call.on("end", () => resolvePromise({ messages }));
      });
    },
    close() {
      for (const client of clients.values()) client.close();
    },
  };
}

/** Unwraps a successful call, failing the test with the status otherwise. */
export function expectOk<T>(result: CallResult<T>): T {
  if (!result.ok) throw new Error(`expected success, got ${grpc.status[result.error.code]}: ${result.error.details}`);
  return result.value;
}

/** Unwraps a failed call, failing the test if it succeeded. */
export function expectError(result: CallResult<unknown>): grpc.ServiceError {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.value)}`);
  return result.error;
}

export { grpc };
