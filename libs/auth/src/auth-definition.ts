import { Auth, type Handler } from "./auth.js";
import { isHandlerKey } from "./events.js";
import type { AuthenticateCallback } from "./user.js";

/** The callbacks of an auth module, whichever library built it. */
export interface AuthDefinition {
  authenticate: AuthenticateCallback | undefined;
  handlers: ReadonlyMap<string, Handler>;
}

interface LangGraphHandlerCache {
  authenticate?: unknown;
  callbacks?: Record<string, unknown>;
}

/**
 * Reads the callbacks out of an `Auth` built with this library or with
 * LangGraph.js's `@langchain/langgraph-sdk/auth`, which keeps them under
 * "~handlerCache" (the reference servers duck-type on the same key). Throws
 * naming what is wrong with anything else.
 */
export function toAuthDefinition(candidate: unknown): AuthDefinition {
  if (candidate instanceof Auth) return candidate.definition;
  if (candidate !== null && typeof candidate === "object" && "~handlerCache" in candidate) {
    const cache = (candidate as { "~handlerCache": LangGraphHandlerCache })["~handlerCache"];
    const handlers = new Map<string, Handler>();
    for (const [key, handler] of Object.entries(cache.callbacks ?? {})) {
      if (!isHandlerKey(key)) throw new Error(`"${key}" is not an event`);
      if (typeof handler !== "function") throw new Error(`the handler for "${key}" is not a function`);
      handlers.set(key, handler as Handler);
    }
    if (cache.authenticate !== undefined && typeof cache.authenticate !== "function") {
      throw new Error("authenticate is not a function");
    }
    return { authenticate: cache.authenticate as AuthenticateCallback | undefined, handlers };
  }
  throw new Error("the export is not an Auth instance (from @gatehouse/auth or @langchain/langgraph-sdk/auth)");
}
