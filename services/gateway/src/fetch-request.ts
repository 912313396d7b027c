import type { IncomingMessage } from "node:http";
import { HttpError } from "./errors.js";
import { connectionHeaderTest, isTraceHeader } from "./forward-headers.js";

// A Host header a URL can be built from: a name or IPv4 address, or a bracketed IPv6 one, and a port.
// Anything else (a slash, an "@") would move the path or invent a user in the URL the app reads.
const hostPattern = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

// Methods a Fetch Request refuses to carry.
const unsupportedMethods = new Set(["CONNECT", "TRACE", "TRACK"]);

/**
 * The Fetch Request a custom route's app gets for one HTTP request: its
 * method; its URL, from the Host header and the path as sent; every header
 * but those that describe the connection (hop-by-hop ones and `Expect`, which
 * Node has already answered), with the trace headers the gateway sends the
 * store in place of the caller's, so the app logs the request id Gatehouse
 * logs; the body the gateway read; and a signal that fires if the caller goes
 * away. A request that cannot be put in that form is 400 (405 for a method
 * Fetch refuses).
 */
export function toFetchRequest(request: IncomingMessage, body: Uint8Array<ArrayBuffer> | undefined, trace: Record<string, string>, signal: AbortSignal): Request {
  const method = request.method ?? "GET";
  if (unsupportedMethods.has(method)) throw new HttpError(405, "Method Not Allowed");
  const target = request.url ?? "/";
  if (!target.startsWith("/")) throw new HttpError(400, "the request target must be a path");
  const host = request.headers.host ?? "localhost";
  if (!hostPattern.test(host)) throw new HttpError(400, "header host: not a host name and port");
  const connectionOnly = connectionHeaderTest(request.headers);
  const headers = new Headers();
  for (const [name, values] of Object.entries(request.headersDistinct)) {
    if (values === undefined || connectionOnly(name) || isTraceHeader(name) || name === "expect") continue;
    for (const value of values) headers.append(name, value);
  }
  for (const [name, value] of Object.entries(trace)) headers.set(name, value);
  try {
    return new Request(`http://${host}${target}`, { method, headers, signal, ...(body !== undefined && body.length > 0 && { body }) });
  } catch {
    // The reason can quote a header value, so it is not sent.
    throw new HttpError(400, "the request cannot be passed to the custom routes");
  }
}
