import { actionsByResource, isHandlerKey, resources, type ActionOf, type Action, type EventName, type HandlerKey, type Resource } from "./events.js";
import type { AuthenticateCallback, BaseUser } from "./user.js";
import type { ValueForKey } from "./values.js";

/** What a handler returns: allow (nothing, null, true), deny (false), or allow with a filter (an object). */
export type HandlerResult = void | null | undefined | boolean | Record<string, unknown>;

/** The argument every authorization handler receives (README "Your auth module"). */
export interface AuthContext<V = unknown> {
  /** The concrete event, such as "threads:create". */
  event: EventName;
  resource: Resource;
  action: Action;
  /** The request's value; handlers may mutate value.metadata (README "Your auth module"). */
  value: V;
  user: BaseUser;
  permissions: string[];
}

/** An authorization handler; sync or async. */
export type Handler<V = unknown> = (context: AuthContext<V>) => HandlerResult | Promise<HandlerResult>;

type ResourceRegistrar<R extends Resource> = ((handler: Handler<ValueForKey<R>>) => Auth) & {
  readonly [A in ActionOf<R>]: (handler: Handler<ValueForKey<`${R}:${A}`>>) => Auth;
};

/** `auth.on`: the chainable registration function, with Python-style sugar properties. */
export type OnRegistrar = {
  <K extends HandlerKey>(event: K | readonly K[], handler: Handler<ValueForKey<K>>): Auth;
} & { readonly [R in Resource]: ResourceRegistrar<R> };

/**
 * The operator's authentication and authorization, as one chain:
 *
 * ```ts
 * export const auth = new Auth()
 *   .authenticate((request) => ({ identity: "user1" }))
 *   .on("threads:create", ({ user, value }) => { ... })
 *   .on.store.put(({ user, value }) => { ... });
 * ```
 *
 * A superset of LangGraph.js's Auth (same methods and callback arguments), so
 * its auth files load unchanged. Registering a key twice throws instead of
 * silently overwriting, naming both handlers.
 */
export class Auth {
  #authenticate: AuthenticateCallback | undefined;
  readonly #handlers = new Map<HandlerKey, Handler>();

  /** Registers handlers; also `auth.on.threads(fn)` and `auth.on.threads.create(fn)`. */
  readonly on: OnRegistrar;

  constructor() {
    const on = (event: HandlerKey | readonly HandlerKey[], handler: Handler<never>) => this.#register(event, handler as Handler);
    for (const resource of resources) {
      const registrar = (handler: Handler<never>) => this.#register(resource, handler as Handler);
      for (const action of actionsByResource[resource]) {
        Object.defineProperty(registrar, action, {
          value: (handler: Handler<never>) => this.#register(`${resource}:${action}` as HandlerKey, handler as Handler),
          enumerable: true,
        });
      }
      Object.defineProperty(on, resource, { value: registrar, enumerable: true });
    }
    this.on = on as unknown as OnRegistrar;
  }

  /** Registers the one authenticate callback. */
  authenticate(callback: AuthenticateCallback): this {
    if (this.#authenticate !== undefined) {
      throw new Error(
        `authenticate is already registered (${handlerName(this.#authenticate)}); cannot register ${handlerName(callback)}`,
      );
    }
    this.#authenticate = callback;
    return this;
  }

  /** The registered callbacks, read once by the services at start-up. */
  get definition(): { authenticate: AuthenticateCallback | undefined; handlers: ReadonlyMap<HandlerKey, Handler> } {
    return { authenticate: this.#authenticate, handlers: this.#handlers };
  }

  #register(event: HandlerKey | readonly HandlerKey[], handler: Handler): this {
    if (typeof handler !== "function") {
      throw new TypeError(`the handler for ${String(event)} must be a function`);
    }
    const keys: readonly string[] = typeof event === "string" ? [event] : event;
    for (const key of keys) {
      if (!isHandlerKey(key)) {
        throw new Error(`"${key}" is not an event: use "*", a resource, "resource:action" or "*:action"`);
      }
      const existing = this.#handlers.get(key);
      if (existing !== undefined) {
        throw new Error(`a handler for "${key}" is already registered (${handlerName(existing)}); cannot register ${handlerName(handler)}`);
      }
    }
    for (const key of keys) this.#handlers.set(key as HandlerKey, handler);
    return this;
  }
}

function handlerName(fn: (...args: never[]) => unknown): string {
  return fn.name ? `function ${fn.name}` : "an anonymous function";
}
