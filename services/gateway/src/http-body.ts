import type { IncomingMessage } from "node:http";
import { HttpError } from "./errors.js";

/**
 * Reads a request body as JSON, at most `maxBytes` of it: 413 as soon as the
 * declared or received length passes the limit (without buffering the rest),
 * 422 for text that is not JSON, and undefined for an empty body, which the
 * LangGraph API treats like `{}`.
 */
export async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  await receive(request, maxBytes, (chunk) => chunks.push(chunk));
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(422, "body: not valid JSON");
  }
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
