import type { IncomingHttpHeaders } from "node:http";
import type { CallOptions } from "@connectrpc/connect";
import type { SseEvent } from "./run-stream.js";

/** What a route handler gets from one HTTP request. */
export interface RouteRequest {
  /** Path parameters by name, percent-decoded. */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** The parsed JSON body; undefined when empty or for GET. */
  body: unknown;
  headers: IncomingHttpHeaders;
  /** Options for every store call this request makes: the caller's headers as metadata, and a signal that fires if the caller goes away. */
  call: CallOptions;
  /** The same for a call that lasts as long as a run does (wait, join, stream): no request deadline, only the run's own. */
  longCall: CallOptions;
}

/**
 * What a route handler answers: JSON `body`, `raw` bytes of a content type,
 * `events` written as a server-sent event stream, or a custom route's Fetch
 * Response (`fetched`, written with its own headers and `headers` over
 * them); none means no body.
 */
export interface RouteResponse {
  status: number;
  body?: unknown;
  raw?: { contentType: string; content: Buffer };
  events?: AsyncIterable<SseEvent>;
  fetched?: Response;
  headers?: Record<string, string>;
}

/** Answers one request; throws HttpError (or a store ConnectError) for an error answer. */
export type RouteHandler = (request: RouteRequest) => Promise<RouteResponse>;

/** One endpoint of the LangGraph API: a method, a path pattern with `:name` segments, and its handler. */
export interface Route {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  handle: RouteHandler;
  /** False for endpoints that answer without looking at the body, which is then never read or parsed. */
  readsBody: boolean;
}

/** Builds a route; handlers that answer JSON with 200 return `json(...)`. */
export function route(method: Route["method"], path: string, handle: RouteHandler, { readsBody = true } = {}): Route {
  return { method, path, handle, readsBody };
}

/** A 200 JSON answer. */
export function json(body: unknown, headers?: Record<string, string>): RouteResponse {
  return headers === undefined ? { status: 200, body } : { status: 200, body, headers };
}

/** A 204 answer, what LangGraph servers send for deletes and for puts that return nothing. */
export const noContent: RouteResponse = { status: 204 };
