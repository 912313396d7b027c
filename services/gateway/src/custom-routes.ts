import type { IncomingMessage } from "node:http";
import type { CallOptions, Client } from "@connectrpc/connect";
import type { CustomRouteEnv } from "@gatehouse/auth";
import type { CallerService } from "@gatehouse/contracts";
import { userFromProto } from "@gatehouse/identity";
import { traceHeaders, traceLogFields, type Logger, type RequestTrace } from "@gatehouse/server";
import { toFetchRequest } from "./fetch-request.js";
import { discardBody, readBody } from "./http-body.js";
import type { CustomApp } from "./load-custom-app.js";
import type { RouteResponse } from "./route.js";

/** What the custom routes need: the operator's app, the store's CallerService, the body limit and a logger. */
export interface CustomRoutesDeps {
  app: CustomApp;
  caller: Client<typeof CallerService>;
  /** The largest request body read, in bytes; larger is 413, as on every route. */
  maxBodyBytes: number;
  logger: Logger;
}

/** One request no built-in route serves, as the gateway's handler has prepared it. */
export interface CustomRouteCall {
  request: IncomingMessage;
  trace: RequestTrace;
  /** Fires if the caller goes away; the app's Request carries it. */
  signal: AbortSignal;
  /** The options of the store call, the request's deadline counted from when this is called. */
  storeCall(): CallOptions;
}

/** Answers a request no built-in route serves, through the operator's app. */
export type CustomRoutes = (call: CustomRouteCall) => Promise<RouteResponse>;

/**
 * Serves the operator's custom routes (README "Custom routes") as LangGraph
 * does, with the caller authenticated first: the body is read under the
 * gateway's limit (413), then the store's CallerService says who is calling,
 * through the same callback, caches and rate limit as every other request
 * (a rejected credential throws the store's error, answered as on any
 * route), and only then does the app see the request, with the caller as
 * `env.auth`. An app that throws, or answers something that is not a
 * Response, is a 500 whose cause is logged and never sent.
 */
export function createCustomRoutes(deps: CustomRoutesDeps): CustomRoutes {
  const { logger } = deps;
  return async ({ request, trace, signal, storeCall }) => {
    const method = request.method ?? "GET";
    // A Fetch Request carries no body for GET or HEAD, so one sent is read and dropped, under the same limit.
    let body: Uint8Array<ArrayBuffer> | undefined;
    if (method === "GET" || method === "HEAD") await discardBody(request, deps.maxBodyBytes);
    else body = await readBody(request, deps.maxBodyBytes);
    const { user } = await deps.caller.getCaller({}, storeCall());
    if (user === undefined) throw new Error("the store answered GetCaller without a user");
    const caller = userFromProto(user);
    const env: CustomRouteEnv = { auth: { user: caller, scopes: [...caller.permissions] } };
    const fetchRequest = toFetchRequest(request, body, traceHeaders(trace), signal);
    const failed = (error: unknown, message: string): RouteResponse => {
      // The error only: the request's headers carry credentials.
      logger.error({ err: error, method, route: customRoutePattern, ...traceLogFields(trace) }, message);
      return { status: 500, body: { detail: "internal error" } };
    };
    let answer: unknown;
    try {
      answer = await deps.app.fetch(fetchRequest, env);
    } catch (error) {
      return failed(error, "the custom routes' app threw");
    }
    if (!(answer instanceof Response)) return failed(new TypeError(`answered ${typeof answer}`), "the custom routes' app answered something that is not a Response");
    return { status: answer.status, fetched: answer };
  };
}

/** What metrics and logs name a custom route by: one label for all of them, since the app's paths carry ids. */
export const customRoutePattern = "(custom route)";
