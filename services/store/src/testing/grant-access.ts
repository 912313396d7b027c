import { create } from "@bufbuild/protobuf";
import { createHandlerContext } from "@connectrpc/connect";
import type { Resource } from "@gatehouse/auth";
import { DecisionSchema, Effect, ThreadService } from "@gatehouse/contracts";
import { filterToProto, type FilterExpr } from "@gatehouse/filters";
import { createLogger } from "@gatehouse/server";
import { createAccessGuard, type Access } from "../authorization.js";

/**
 * An Access for tests that call a repository directly: made by the real
 * guard, from an authz decision that allows with this filter.
 */
export async function grantAccess<R extends Resource>(resource: R, filter: FilterExpr): Promise<Access<R>> {
  const guard = createAccessGuard({
    authenticate: async () => ({ identity: "test-user", permissions: [], display_name: "test-user", is_authenticated: true }),
    authz: { authorize: async () => create(DecisionSchema, { effect: Effect.ALLOW, filter: filterToProto(filter) }) },
    logger: createLogger("test"),
    callTimeoutMs: 1_000,
  });
  const context = createHandlerContext({
    service: ThreadService,
    method: ThreadService.method.getThread,
    protocolName: "test",
    requestMethod: "POST",
    url: "/test",
  });
  return guard.authorize(context, { resource, action: "read" }, {});
}
