import type { IncomingHttpHeaders } from "node:http";
import { HttpError } from "./errors.js";

// Hop-by-hop headers (RFC 9110 §7.6.1 and the legacy ones proxies still drop):
// they describe this HTTP connection, not the caller.
const hopByHop = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"]);

// Headers the gRPC call to the store sets for itself; a copy from the HTTP
// request would describe the wrong message or confuse the HTTP/2 transport.
const transportOwned = new Set(["host", "content-length", "content-type", "content-encoding", "accept-encoding", "user-agent", "expect"]);

// Headers the gateway sets itself, as one hop of the caller's trace (see traceHeaders):
// the caller's values reach the store only through it, validated.
const traceOwned = new Set(["traceparent", "tracestate", "x-request-id"]);

// What gRPC metadata can carry: lower-case token names, printable ASCII values.
const legalName = /^[0-9a-z_.-]+$/;
const legalValue = /^[\x20-\x7e]*$/;

/**
 * The caller's HTTP headers as gRPC metadata for the store, so the store
 * authenticates an HTTP caller exactly like a gRPC one and the same
 * `authenticate` callback serves both fronts (it reads `authorization`,
 * `x-api-key` or any header it likes). Drops hop-by-hop headers (and any the
 * `Connection` header names), headers the gRPC transport owns, the trace
 * headers the gateway sets itself, `grpc-*`
 * headers a caller must not be able to set on the store's call, and binary
 * (`-bin`) names. A value gRPC cannot carry is a 400 naming the header, never
 * its value; header values are never logged.
 */
export function forwardedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const connectionOnly = connectionHeaderTest(headers);
  const forwarded: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined || connectionOnly(name) || transportOwned.has(name) || traceOwned.has(name)) continue;
    if (name.startsWith("grpc-") || name.endsWith("-bin") || !legalName.test(name)) continue;
    const value = Array.isArray(raw) ? raw.join(", ") : raw;
    if (!legalValue.test(value)) throw new HttpError(400, `header ${name}: only printable ASCII can be forwarded`);
    forwarded[name] = value;
  }
  return forwarded;
}

/**
 * Says which of a request's header names describe its connection rather than
 * the caller: the hop-by-hop headers and any its `Connection` header names.
 * Neither the store nor a custom route's app gets them.
 */
export function connectionHeaderTest(headers: IncomingHttpHeaders): (name: string) => boolean {
  const named = new Set(
    String(headers.connection ?? "")
      .split(",")
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
  return (name) => hopByHop.has(name) || named.has(name);
}

/** Whether a header is one of the trace headers the gateway sets itself for the next hop (see traceHeaders). */
export function isTraceHeader(name: string): boolean {
  return traceOwned.has(name);
}
