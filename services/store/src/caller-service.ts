import { CallerService } from "@gatehouse/contracts";
import { userToProto } from "@gatehouse/identity";
import type { Route } from "@gatehouse/server";
import { authenticatedService } from "./authenticated-service.js";
import type { AccessGuard } from "./authorization.js";

/**
 * CallerService: the user a call's credential belongs to, which the gateway
 * asks for before a request reaches the operator's custom HTTP routes
 * (README "Custom routes"). Authentication only: no handler runs and
 * nothing is read.
 */
export function callerServiceRoute(guard: AccessGuard): Route {
  return authenticatedService(CallerService, guard, {
    async getCaller(_request, caller) {
      return { user: userToProto(caller) };
    },
  });
}
