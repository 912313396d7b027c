import { createRequire } from 'module'; const require = createRequire(import.meta.url);

// services/authz/src/main.ts
import { buildHandlerTable, loadAuthModule, loadConfig } from "@gatehouse/auth";
import { createLogger, envInt, envString, runService } from "@gatehouse/server";

// services/authz/src/server.ts
import * as grpc from "@grpc/grpc-js";
import { AuthzService } from "@gatehouse/contracts";
import { listen, registerService, serverOptions, shutdown } from "@gatehouse/server";

// services/authz/src/authz-service.ts
import { Code } from "@connectrpc/connect";
import { decide, HandlerFailure, parseEvent } from "@gatehouse/auth";
import { gatehouseError, invalidArgument } from "@gatehouse/errors";
import { describeFilterShape } from "@gatehouse/filters";
import { userFromProto } from "@gatehouse/identity";

// services/authz/src/decision-proto.ts
import { Effect } from "@gatehouse/contracts";
import { filterToProto } from "@gatehouse/filters";
var InvalidMutation = class extends Error {
  name = "InvalidMutation";
};
function decisionToProto(event, decision) {
  const handlerKey = decision.handlerKey ?? "";
  if (decision.effect === "deny") {
    return {
      effect: Effect.DENY,
      handlerKey,
      denial: { httpStatus: decision.status, message: decision.message, headers: decision.headers }
    };
  }
  const { value } = decision;
  return {
    effect: Effect.ALLOW,
    handlerKey,
    filter: decision.filter === void 0 ? void 0 : filterToProto(decision.filter),
    metadata: "metadata" in value && value.metadata !== void 0 ? jsonObject("value.metadata", value.metadata) : void 0,
    item: event.startsWith("store:") ? itemTarget(event, value) : void 0
  };
}
function itemTarget(event, value) {
  const { namespace, key } = value;
  if (!Array.isArray(namespace) || !namespace.every((label) => typeof label === "string")) {
    throw new InvalidMutation("value.namespace must stay a list of strings");
  }
  if (key !== void 0 && typeof key !== "string") throw new InvalidMutation("value.key must stay a string");
  return {
    namespace,
    key: key ?? "",
    value: event === "store:put" ? jsonObject("value.value", value.value) : void 0
  };
}
function jsonObject(field, candidate) {
  if (candidate === null || typeof candidate !== "object" || Array.isArray(candidate)) {
    throw new InvalidMutation(`${field} must stay a JSON object`);
  }
  let text;
  try {
    text = JSON.stringify(candidate);
  } catch (error) {
    throw new InvalidMutation(`${field} is not JSON: ${error.message}`);
  }
  return JSON.parse(text);
}

// services/authz/src/authz-service.ts
function createAuthzService(deps) {
  return {
    async authorize(request) {
      const event = `${request.resource}:${request.action}`;
      const parsed = parseEvent(event);
      if (parsed === void 0) throw invalidArgument("resource/action", `"${event}" is not an event`);
      if (request.user === void 0 || request.user.identity === "") throw invalidArgument("user", "required");
      const user = userFromProto(request.user);
      const audit = { identity: user.identity, event };
      try {
        const decision = await decide(
          deps.table,
          { event, user, value: request.value ?? {} },
          { timeoutMs: deps.handlerTimeoutMs }
        );
        const encoded = decisionToProto(event, decision);
        deps.logger.info(
          {
            ...audit,
            handler: decision.handlerKey ?? null,
            outcome: decision.effect === "deny" ? `deny:${decision.status}` : decision.filter ? "allow:filter" : "allow",
            filter: decision.effect === "allow" && decision.filter ? describeFilterShape(decision.filter) : void 0
          },
          "decision"
        );
        return { decision: encoded };
      } catch (error) {
        if (error instanceof HandlerFailure || error instanceof InvalidMutation) {
          const handler = error instanceof HandlerFailure ? error.handlerKey : deps.table.get(event)?.key;
          deps.logger.error({ ...audit, handler, outcome: "error", reason: error.message }, "decision");
          if (error instanceof HandlerFailure && error.kind === "timed_out") {
            throw gatehouseError(Code.DeadlineExceeded, "HANDLER_TIMED_OUT", "the authorization handler did not decide in time");
          }
          throw gatehouseError(Code.Internal, "HANDLER_FAILED", "the authorization handler failed");
        }
        throw error;
      }
    }
  };
}

// services/authz/src/server.ts
async function startAuthzServer(deps, host, port) {
  const server = new grpc.Server(serverOptions);
  registerService(server, AuthzService, createAuthzService(deps), { logger: deps.logger });
  const boundPort = await listen(server, host, port);
  return { port: boundPort, stop: () => shutdown(server, 1e4) };
}

// services/authz/src/main.ts
var logger = createLogger("authz");
await runService("authz", logger, async () => {
  const config = await loadConfig(envString("GATEHOUSE_CONFIG", "gatehouse.json"));
  const { handlers } = await loadAuthModule(config);
  const table = buildHandlerTable(handlers);
  const host = envString("AUTHZ_HOST", "127.0.0.1");
  const handlerTimeoutMs = envInt("GATEHOUSE_HANDLER_TIMEOUT_MS", 2e3, { min: 1 });
  const server = await startAuthzServer({ table, handlerTimeoutMs, logger }, host, envInt("AUTHZ_PORT", 50053, { max: 65535 }));
  logger.info({ handlers: [...handlers.keys()] }, "handlers loaded");
  return { address: `${host}:${server.port}`, stop: server.stop };
});
