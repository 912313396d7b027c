import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { traceFromHeaders, traceHeaders, traceLogFields, type Logger } from "@gatehouse/server";
import type { CallerLimit } from "./caller-limit.js";
import { customRoutePattern, type CustomRoutes } from "./custom-routes.js";
import { HttpError, httpErrorFrom } from "./errors.js";
import { forwardedHeaders } from "./forward-headers.js";
import type { GatewayMetrics } from "./gateway-metrics.js";
import { discardBody, readJsonBody } from "./http-body.js";
import type { RouteResponse } from "./route.js";
import { createRouter } from "./router.js";
import { formatSseFrame } from "@gatehouse/run-events";
import { sseErrorEvent } from "./run-stream.js";
import { routes } from "./routes.js";
import { storeCallOptions } from "./store-call-options.js";
import type { TranslatorDeps } from "./store-clients.js";
import { writeFetchResponse } from "./write-fetch-response.js";

/** What the gateway needs: the store's clients, the configured graphs, a logger, the body limit and the time budget. */
export interface GatewayDeps extends TranslatorDeps {
  logger: Logger;
  /** The largest request body read, in bytes; larger is 413. */
  maxBodyBytes: number;
  /** How long all the store calls of one HTTP request may take together, from when its body has been read. */
  requestTimeoutMs: number;
  /** How long a call that follows a run (wait, join, stream) may take. */
  runTimeoutMs: number;
  /** Charges each request to its caller before its body is read; unset, no rate limit. */
  limitCaller?: CallerLimit;
  /** Where each answered request is counted, when given. */
  metrics?: GatewayMetrics;
  /** Serves the paths no built-in route has, from gatehouse.json's `http.app`; unset, they are 404. */
  customRoutes?: CustomRoutes;
}

/**
 * The gateway's request handler: route, read the JSON body, translate to the
 * store's RPCs with the caller's headers as metadata, and answer JSON, or
 * `{ "detail": ... }` with the status a LangGraph client expects. Built-in
 * routes always win: only a path no built-in route has, under any method,
 * goes to the custom routes, when there are any. No globals, so tests and
 * main build it from their own deps.
 */
export function createGatewayHandler(deps: GatewayDeps): (request: IncomingMessage, response: ServerResponse) => void {
  const match = createRouter(routes(deps));
  const { logger } = deps;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    const method = request.method ?? "GET";
    const target = request.url ?? "/";
    const queryStart = target.indexOf("?");
    const path = queryStart === -1 ? target : target.slice(0, queryStart);
    let routePath = "(none)";
    let pathParams: Record<string, string> = {};
    const trace = traceFromHeaders((name) => {
      const value = request.headers[name];
      return typeof value === "string" ? value : undefined;
    });
    let answer: RouteResponse;
    try {
      const found = match(method, path);
      if (found.kind === "found") {
        routePath = found.route.path;
        pathParams = found.params;
      } else if (found.kind === "not-found" && deps.customRoutes !== undefined) {
        routePath = customRoutePattern;
      }
      const credential = await deps.limitCaller?.charge(request);
      if (found.kind === "not-found" && deps.customRoutes === undefined) throw new HttpError(404, "Not Found");
      if (found.kind === "method-not-allowed") throw new HttpError(405, "Method Not Allowed", { allow: found.allowed.join(", ") });
      // The store sees this hop as the parent span, and the same request id.
      const headers = { ...forwardedHeaders(request.headers), ...traceHeaders(trace) };
      const onAnswered = credential === undefined ? undefined : () => deps.limitCaller?.accepted(credential);
      // A caller that goes away cancels its store call, and a custom route's Request.
      const abort = new AbortController();
      response.once("close", () => {
        if (!response.writableFinished) abort.abort();
      });
      if (found.kind === "not-found") {
        answer = await deps.customRoutes!({
          request,
          trace,
          signal: abort.signal,
          storeCall: () => storeCallOptions(headers, abort.signal, Date.now() + deps.requestTimeoutMs, onAnswered),
        });
      } else {
        let body: unknown;
        if (!found.route.readsBody) await discardBody(request, deps.maxBodyBytes);
        else if (method !== "GET") body = await readJsonBody(request, deps.maxBodyBytes);
        answer = await found.route.handle({
          params: found.params,
          query: new URLSearchParams(queryStart === -1 ? "" : target.slice(queryStart + 1)),
          body,
          headers: request.headers,
          call: storeCallOptions(headers, abort.signal, Date.now() + deps.requestTimeoutMs, onAnswered),
          longCall: storeCallOptions(headers, abort.signal, Date.now() + deps.runTimeoutMs, onAnswered),
        });
      }
    } catch (error) {
      const failure = httpErrorFrom(error, pathParams);
      if (failure.status === 500) logger.error({ err: error, method, route: routePath, ...traceLogFields(trace) }, "request failed");
      answer = { status: failure.status, body: { detail: failure.detail }, headers: failure.headers };
    }
    // Only the caller's own id is echoed: a made-up one would make a hidden row's 404 differ from a missing one's.
    if (trace.callerSentRequestId) answer = { ...answer, headers: { ...answer.headers, "x-request-id": trace.requestId } };
    if (answer.events !== undefined) await sendEvents(response, answer, logger);
    else if (answer.fetched !== undefined) await writeFetchResponse(response, answer.fetched, answer.headers ?? {}, logger);
    else send(response, answer);
    const seconds = (performance.now() - started) / 1000;
    deps.metrics?.record(method, routePath, answer.status, seconds);
    // Route patterns only: paths carry ids, and headers are never logged. The line is built only when it is written.
    if (logger.isLevelEnabled("debug")) logger.debug({ method, route: routePath, status: answer.status, ms: Math.round(seconds * 10_000) / 10, ...traceLogFields(trace) }, "request");
  }

  return (request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger.error({ err: error }, "cannot answer a request");
      if (!response.headersSent) send(response, { status: 500, body: { detail: "internal error" } });
    });
  };
}

/**
 * Writes a server-sent event stream, waiting for the socket to drain so a
 * slow reader holds the store stream back instead of filling memory. A
 * failure after the stream began ends it with LangGraph's error event.
 */
async function sendEvents(response: ServerResponse, { status, events, headers = {} }: RouteResponse, logger: Logger): Promise<void> {
  if (response.destroyed) return;
  response.writeHead(status, { ...headers, "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  response.flushHeaders();
  let lastId = "0";
  try {
    for await (const event of events!) {
      if (response.destroyed) break;
      lastId = event.id;
      if (!response.write(formatSseFrame(event))) await new Promise((resolve) => response.once("drain", resolve).once("close", resolve));
    }
  } catch (error) {
    if (!response.destroyed) {
      const failure = httpErrorFrom(error);
      if (failure.status === 500) logger.error({ err: error }, "run stream failed");
      response.write(sseErrorEvent(lastId, failure.detail));
    }
  }
  response.end();
}

function send(response: ServerResponse, { status, body, raw, headers = {} }: RouteResponse): void {
  if (response.destroyed) return;
  if (raw !== undefined) {
    response.writeHead(status, { ...headers, "content-type": raw.contentType, "content-length": raw.content.length }).end(raw.content);
    return;
  }
  if (body === undefined) {
    response.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  response
    .writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) })
    .end(text);
}

/**
 * Starts the gateway's HTTP server on host:port (0 for a free port). Request
 * headers larger than maxHeaderBytes in total are answered 431 by Node before
 * any handler runs.
 */
export async function startGatewayServer(
  deps: GatewayDeps,
  host: string,
  port: number,
  maxHeaderBytes = 16 * 1024,
): Promise<{ port: number; stop(): Promise<void> }> {
  const server = createServer({ keepAliveTimeout: 65_000, maxHeaderSize: maxHeaderBytes }, createGatewayHandler(deps));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        // Stop accepting, let in-flight requests finish for up to 10 s, then drop what is left.
        const timer = setTimeout(() => server.closeAllConnections(), 10_000);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
