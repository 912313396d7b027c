import type { IncomingMessage } from "node:http";
import { defaultMaxJsonDepth, findJsonProblem } from "@gatehouse/filters";
import { HttpError, unprocessable } from "./errors.js";

/**
 * Reads a request body as JSON, at most `maxBytes` of it: 413 as soon as the
 * declared or received length passes the limit (without buffering the rest),
 * 422 for text that is not JSON or that checkJsonBody refuses, and undefined
 * for an empty body, which the LangGraph API treats like `{}`.
 */
export async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const text = (await readBody(request, maxBytes)).toString("utf8");
  if (text.trim() === "") return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(422, "body: not valid JSON");
  }
  checkJsonBody(body);
  return body;
}

/**
 * Refuses, with 422 naming the field, what the store would refuse in any
 * JSON field, before a protobuf message is built from it: a number JSON
 * parsing made infinite (`1e999`), nesting deeper than the store's limit
 * (each top-level field counting as level 1, as the store counts), and a
 * "__proto__" key, which the protobuf Struct encoding would silently drop.
 */
export function checkJsonBody(body: unknown, maxDepth: number = defaultMaxJsonDepth): void {
  const isObject = body !== null && typeof body === "object" && !Array.isArray(body);
  const fields: [string, unknown][] = isObject ? Object.entries(body) : [["body", body]];
  for (const [field, value] of fields) {
    if (field === "__proto__") throw unprocessable(field, 'the key "__proto__" is not allowed');
    const found = findJsonProblem(value, field, maxDepth);
    if (found) throw unprocessable(found.path, found.problem);
  }
}

/** Reads a request body as bytes, at most `maxBytes` of it: 413 as soon as the declared or received length passes the limit. */
export async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer<ArrayBuffer>> {
  const chunks: Buffer[] = [];
  await receive(request, maxBytes, (chunk) => chunks.push(chunk));
  return Buffer.concat(chunks);
}

/**
 * Reads and drops a body the answer does not depend on, under the same
 * limit, so the connection can serve its next request without an unbounded
 * read in between.
 */
export function discardBody(request: IncomingMessage, maxBytes: number): Promise<void> {
  return receive(request, maxBytes, () => {});
}

/** Hands each chunk of the body to `take`; 413 as soon as the declared or received length passes the limit. */
async function receive(request: IncomingMessage, maxBytes: number, take: (chunk: Buffer) => void): Promise<void> {
  const declared = Number(request.headers["content-length"] ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  let received = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > maxBytes) throw tooLarge(maxBytes);
    take(chunk);
  }
}

function tooLarge(maxBytes: number): HttpError {
  // The rest of the body is never read, so the connection cannot be reused.
  return new HttpError(413, `body: larger than ${maxBytes} bytes`, { connection: "close" });
}
