import { getOption, type DescMethod, type DescService, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { auth_event } from "@gatehouse/contracts";
import type { UserRecord } from "@gatehouse/identity";
import type { Route } from "@gatehouse/server";
import type { AccessGuard } from "./authorization.js";

/** A method body that needs only to know who is calling: it gets the authenticated user, never an Access. */
export type AuthenticatedMethod<M extends DescMethod> = (
  request: MessageShape<M["input"]>,
  caller: UserRecord,
  context: HandlerContext,
) => Promise<MessageInitShape<M["output"]>>;

/** Every method of a service, each given the caller; a missing one is a compile error. */
export type AuthenticatedMethods<S extends DescService> = {
  [K in keyof S["method"]]: AuthenticatedMethod<S["method"][K]>;
};

/**
 * Registers a service whose RPCs raise no auth event, such as
 * CallerService: every call is authenticated by the guard first, exactly as
 * a guarded RPC is, and its body gets the caller. It gets no Access, so it
 * cannot reach a repository. A method whose contract declares an auth_event
 * must be authorized, so it stops start-up here (guardedService serves it)
 * and this wrapper cannot become a way around authz; so does a streaming one.
 */
export function authenticatedService<S extends DescService>(service: S, guard: AccessGuard, methods: AuthenticatedMethods<S>): Route {
  const impl: Record<string, unknown> = {};
  for (const method of service.methods) {
    const rpc = `${method.parent.typeName}.${method.name}`;
    const declared = getOption(method, auth_event);
    if (declared !== "") throw new Error(`${rpc} declares auth_event "${declared}", so it must be served through guardedService`);
    if (method.methodKind !== "unary") throw new Error(`${rpc} is ${method.methodKind}; authenticated-only RPCs are unary`);
    const body = (methods as Record<string, AuthenticatedMethod<DescMethod>>)[method.localName];
    if (body === undefined) throw new Error(`${rpc} has no implementation`);
    impl[method.localName] = async (request: MessageShape<DescMethod["input"]>, context: HandlerContext) => body(request, await guard.authenticate(context), context);
  }
  return { service, impl: impl as ServiceImpl<S> } as Route;
}
