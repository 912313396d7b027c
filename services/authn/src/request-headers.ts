import { Code } from "@connectrpc/connect";
import { ErrorReason, gatehouseError, invalidArgument } from "@gatehouse/errors";

/**
 * Builds Fetch headers from the request's header map, refusing an oversized
 * value before anything else reads it: no parsing, no HMAC, no cache lookup
 * and no callback ever sees a header longer than maxBytes.
 */
export function toHeaders(raw: Record<string, string>, maxBytes: number): Headers {
  for (const [name, value] of Object.entries(raw)) {
    if (value.length > maxBytes) {
      throw gatehouseError(Code.Unauthenticated, ErrorReason.CREDENTIAL_TOO_LARGE, `header ${name} is longer than ${maxBytes} bytes`);
    }
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    try {
      headers.set(name, value);
    } catch {
      throw gatehouseError(Code.Unauthenticated, ErrorReason.MALFORMED_HEADER, `header ${name} is malformed`);
    }
  }
  return headers;
}

const methodToken = /^[A-Z]{1,16}$/;

/** The request line the callback sees: method (default POST) and an absolute path (default "/"). */
export function requestLine(method: string, path: string): { method: string; path: string } {
  const checkedMethod = method || "POST";
  if (!methodToken.test(checkedMethod)) throw invalidArgument("method", "must be an upper-case HTTP method");
  const checkedPath = path || "/";
  if (!checkedPath.startsWith("/") || checkedPath.startsWith("//")) throw invalidArgument("path", 'must start with a single "/"');
  return { method: checkedMethod, path: checkedPath };
}
