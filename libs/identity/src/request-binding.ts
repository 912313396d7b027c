import { createHmac } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { RequestBinding as RequestBindingProto, RequestBindingSchema } from "@gatehouse/contracts";
import { hashHeaders } from "./credential-key.js";

/**
 * What of a request, besides its credential headers, a cached verdict
 * depends on: the authenticate callback may read any header (a tenant
 * header, a forwarded client address) or the path, and a verdict reached on
 * one value must not answer a request with another.
 */
export interface RequestBinding {
  /** Header names read besides the credential headers, lower case, sorted; or every header. */
  headers: readonly string[] | "all";
  /** Whether the request line (method and path) was read. */
  path: boolean;
  /** HMAC of the bound values under the cache secret, hex. */
  digest: string;
}

/** Anything with an optional binding, such as a cached identity. */
interface CachedIdentityLike {
  binding?: RequestBinding | undefined;
}

/** What the authenticate callback read of a request: header names, or all of them, and whether the request line. */
export interface RequestReads {
  headers: ReadonlySet<string> | "all";
  path: boolean;
}

// Headers that differ on every call by design; a verdict never depends on them,
// or no verdict of a callback that walks every header could serve a second call.
const perCallHeaders = new Set(["x-request-id", "traceparent", "tracestate"]);

/** Whether a header can take part in a binding: not a transport header, not a per-call trace header. */
function bindable(name: string): boolean {
  return !perCallHeaders.has(name) && !name.startsWith("grpc-") && !name.startsWith(":");
}

/**
 * The binding of a verdict reached after the callback made these reads, or
 * undefined when it read nothing beyond the credential headers (the usual
 * case: the credential alone decides, and the cache key covers it).
 */
export function bindRequest(
  secret: Buffer,
  reads: RequestReads,
  credentialHeaders: readonly string[],
  headers: Headers,
  requestLine: string,
): RequestBinding | undefined {
  const names =
    reads.headers === "all" ? ("all" as const) : [...reads.headers].filter((name) => bindable(name) && !credentialHeaders.includes(name)).sort();
  if (names !== "all" && names.length === 0 && !reads.path) return undefined;
  return { headers: names, path: reads.path, digest: bindingDigest(secret, names, reads.path, headers, requestLine) };
}

/** Whether a verdict with this binding (none: bound to the credential only) may answer this request. */
export function bindingHolds(secret: Buffer, binding: RequestBinding | undefined, headers: Headers, requestLine: string): boolean {
  return binding === undefined || binding.digest === bindingDigest(secret, binding.headers, binding.path, headers, requestLine);
}

/** The request line a binding covers: the method and the path, as the callback's Request shows them. */
export function requestLineOf(method: string, path: string): string {
  return `${method} ${path}`;
}

/** The cached entry if it may answer this request, else undefined: a filter for cache lookups. */
export function reusableFor(secret: Buffer, headers: Headers, requestLine: string): <T extends CachedIdentityLike>(entry: T | undefined) => T | undefined {
  return (entry) => (entry !== undefined && bindingHolds(secret, entry.binding, headers, requestLine) ? entry : undefined);
}

/**
 * What makes two requests interchangeable to any callback: every bindable
 * header and the request line. Verifications in flight are shared only
 * between requests with the same fingerprint, so a request never receives
 * the verdict, or the failure, of one it differs from in a way the callback
 * might read.
 */
export function requestFingerprint(secret: Buffer, headers: Headers, requestLine: string): string {
  return bindingDigest(secret, "all", true, headers, requestLine);
}

function bindingDigest(secret: Buffer, names: readonly string[] | "all", withPath: boolean, headers: Headers, path: string): string {
  const hmac = createHmac("sha256", secret);
  const bound: Array<[string, string | null]> = [];
  if (names === "all") headers.forEach((value, name) => bindable(name) && bound.push([name, value]));
  else for (const name of names) bound.push([name, headers.get(name)]);
  hashHeaders(hmac, bound);
  hmac.update(withPath ? `\u0002${path}` : "\u0003");
  return hmac.digest("hex");
}

/** The wire form of a binding. */
export function bindingToProto(binding: RequestBinding): MessageInitShape<typeof RequestBindingSchema> {
  const all = binding.headers === "all";
  return { headers: all ? [] : [...binding.headers], allHeaders: all, path: binding.path, digest: binding.digest };
}

/** A binding from the wire; undefined when none was sent. */
export function bindingFromProto(proto: RequestBindingProto | undefined): RequestBinding | undefined {
  if (proto === undefined) return undefined;
  return { headers: proto.allHeaders ? "all" : proto.headers, path: proto.path, digest: proto.digest };
}

/** Whether a value read back from the shared store is a well-formed binding. */
export function isRequestBinding(value: unknown): value is RequestBinding {
  if (value === null || typeof value !== "object") return false;
  const binding = value as Record<string, unknown>;
  const headers = binding.headers;
  return (
    typeof binding.digest === "string" &&
    typeof binding.path === "boolean" &&
    (headers === "all" || (Array.isArray(headers) && headers.every((name) => typeof name === "string")))
  );
}
