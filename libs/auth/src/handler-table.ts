import { allEvents, type EventName, type HandlerKey } from "./events.js";
import type { Handler } from "./auth.js";

/** The handler that runs for one event, and the key it was registered under. */
export interface ResolvedHandler {
  key: HandlerKey;
  handler: Handler;
}

/** For every event, the handler that runs, or undefined when none matches (allow). */
export type HandlerTable = ReadonlyMap<EventName, ResolvedHandler | undefined>;

/**
 * Precomputes handler resolution (README "Your auth module") for every event, so a request costs one map
 * lookup: the first registered of "res:act", "res", "*:act", "*" wins, with
 * no fall-through to less specific handlers.
 */
export function buildHandlerTable(handlers: ReadonlyMap<string, Handler>): HandlerTable {
  const table = new Map<EventName, ResolvedHandler | undefined>();
  for (const event of allEvents) {
    const [resource, action] = event.split(":") as [string, string];
    const candidates = [event, resource, `*:${action}`, "*"] as HandlerKey[];
    const key = candidates.find((candidate) => handlers.has(candidate));
    table.set(event, key === undefined ? undefined : { key, handler: handlers.get(key)! });
  }
  return table;
}
