import { assistantRoutes } from "./assistants.js";
import { chatPageRoutes } from "./chat-page.js";
import { cronRoutes } from "./crons.js";
import { json, route, type Route } from "./route.js";
import { runRoutes } from "./runs.js";
import type { TranslatorDeps } from "./store-clients.js";
import { storeItemRoutes } from "./store-items.js";
import { threadRoutes } from "./threads.js";
import { unsupportedRoutes } from "./unsupported.js";

const gatewayVersion = "0.1.0";

/**
 * The one place the gateway's endpoints are listed: the LangGraph Platform
 * HTTP API for everything the store serves, each endpoint translated to one
 * store RPC (streams relayed as server-sent events), 501 for the few it does
 * not offer, and the tutorial's chat page.
 */
export function routes(deps: TranslatorDeps): Route[] {
  return [
    // LangGraph servers answer this for health checks; it says nothing about the store.
    route("GET", "/ok", async () => json({ ok: true })),
    // What LangGraph clients read to learn the server's features.
    route("GET", "/info", async () => json({ version: gatewayVersion, flags: { assistants: true, crons: true, langsmith: false } })),
    ...assistantRoutes(deps),
    ...threadRoutes(deps),
    ...runRoutes(deps),
    ...cronRoutes(deps),
    ...storeItemRoutes(deps),
    ...unsupportedRoutes(),
    ...chatPageRoutes(),
  ];
}
