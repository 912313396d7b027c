import { getOption, type DescMethod, type DescService, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { actionsByResource, parseEvent, type EventName, type Resource } from "@gatehouse/auth";
import { auth_event } from "@gatehouse/contracts";
import type { JsonObject } from "@gatehouse/filters";
import type { Route } from "@gatehouse/server";
import type { Access, AccessGuard } from "./authorization.js";

/** What a method body gets besides its input and Access: the call, and a way to ask about a second event. */
export interface GuardedCall {
  context: HandlerContext;
  /**
   * Asks the guard about an event the RPC raises besides its declared one,
   * such as threads:create for the new thread of CopyThread.
   */
  authorizeAlso<E extends EventName>(event: E, value: JsonObject): Promise<Access<ResourceOf<E>>>;
}

/** The resource of an event name: "threads" for "threads:create". */
export type ResourceOf<E extends EventName> = E extends `${infer R extends Resource}:${string}` ? R : never;

/** The answer of a method body: one response, or a stream of them for a server-streaming RPC. */
type Answer<M extends DescMethod> = M extends { methodKind: "server_streaming" }
  ? AsyncIterable<MessageInitShape<M["output"]>>
  : Promise<MessageInitShape<M["output"]>>;

/**
 * One guarded RPC. `authorize` validates the request (throwing
 * INVALID_ARGUMENT naming the field) and builds the value the event's handler
 * sees, and the input the body needs; `run` gets that input only with the
 * Access the guard made from the handler's decision.
 */
export interface GuardedMethod<M extends DescMethod, R extends Resource, Input> {
  authorize(request: MessageShape<M["input"]>): { value: JsonObject; input: Input };
  run(input: NoInfer<Input>, access: Access<R>, call: GuardedCall): Answer<M>;
}

/**
 * Every method of a service, guarded: a missing method is a compile error,
 * and so is a body that takes no Access. Each is written with `rpc`, which
 * infers its input type from its `authorize`.
 */
export type GuardedMethods<S extends DescService, R extends Resource> = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each method has an input type of its own, checked by rpc
  [K in keyof S["method"]]: GuardedMethod<S["method"][K], R, any>;
};

/** One guarded method, its request type taken from the method table it is written in and its input type from `authorize`. */
export function rpc<M extends DescMethod, R extends Resource, Input>(method: GuardedMethod<M, R, Input>): GuardedMethod<M, R, Input> {
  return method;
}

/**
 * The event a method declares in the contract (`gatehouse.authz.v1.auth_event`),
 * checked against the known resources and actions and against the resource
 * its service guards. Throws, naming the RPC, when it is missing or unknown:
 * such an RPC must not be served, so the store refuses to start.
 */
export function declaredEvent<R extends Resource>(method: DescMethod, resource: R): { resource: R; action: string } {
  const rpc = `${method.parent.typeName}.${method.name}`;
  const declared = getOption(method, auth_event);
  if (declared === "") throw new Error(`${rpc} declares no auth_event option; every store RPC must`);
  const event = parseEvent(declared);
  if (event === undefined) {
    const known = Object.entries(actionsByResource)
      .map(([name, actions]) => `${name}:{${actions.join(",")}}`)
      .join(" ");
    throw new Error(`${rpc} declares auth_event "${declared}", which is not a known event (${known})`);
  }
  if (event.resource !== resource) throw new Error(`${rpc} declares auth_event "${declared}", but its service guards ${resource}`);
  return { resource, action: event.action };
}

/**
 * Registers a service through the guard: the one way a store RPC is served.
 * At start-up every method's declared event is checked (see declaredEvent).
 * Per call: the request is validated and its handler value built, the guard
 * decides, and only then does the body run, with the Access it made.
 * Server-streaming methods are authorized before their first message.
 */
export function guardedService<S extends DescService, R extends Resource>(
  service: S,
  resource: R,
  guard: AccessGuard,
  methods: GuardedMethods<S, R>,
): Route {
  const impl: Record<string, unknown> = {};
  for (const method of service.methods) {
    const event = declaredEvent(method, resource);
    const guarded = (methods as Record<string, GuardedMethod<DescMethod, R, unknown>>)[method.localName];
    if (guarded === undefined) throw new Error(`${method.parent.typeName}.${method.name} has no implementation`);
    const start = async (request: MessageShape<DescMethod["input"]>, context: HandlerContext) => {
      const { value, input } = guarded.authorize(request);
      const access = await guard.authorize(context, event, value);
      const call: GuardedCall = {
        context,
        authorizeAlso: <E extends EventName>(also: E, alsoValue: JsonObject) => {
          const { resource: alsoResource, action } = parseEvent(also)!;
          return guard.authorize(context, { resource: alsoResource as ResourceOf<E>, action }, alsoValue);
        },
      };
      return guarded.run(input, access, call);
    };
    if (method.methodKind === "server_streaming") {
      impl[method.localName] = async function* (request: MessageShape<DescMethod["input"]>, context: HandlerContext) {
        yield* (await start(request, context)) as unknown as AsyncIterable<unknown>;
      };
    } else if (method.methodKind === "unary") {
      impl[method.localName] = (request: MessageShape<DescMethod["input"]>, context: HandlerContext) => start(request, context);
    } else {
      throw new Error(`${method.parent.typeName}.${method.name} is ${method.methodKind}; the store serves unary and server-streaming RPCs only`);
    }
  }
  return { service, impl: impl as ServiceImpl<S> } as Route;
}
