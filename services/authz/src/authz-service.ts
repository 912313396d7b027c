import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { decide, HandlerFailure, parseEvent, type HandlerTable } from "@gatehouse/auth";
import type { AuthorizeRequest, AuthzService, DecisionSchema } from "@gatehouse/contracts";
import { ErrorReason, gatehouseError, internalError, invalidArgument } from "@gatehouse/errors";
import { describeFilterShape } from "@gatehouse/filters";
import { userFromProto } from "@gatehouse/identity";
import { requestTraceOf, traceFromHeaders, traceLogFields, type Logger } from "@gatehouse/server";
import { decisionToProto, InvalidMutation } from "./decision-proto.js";

/** What the authz service needs. */
export interface AuthzServiceDeps {
  table: HandlerTable;
  /** A handler's time budget. */
  handlerTimeoutMs: number;
  logger: Logger;
  /** Told the outcome of every decision ("allow", "allow:filter", "deny:403", "error"), for metrics. */
  onDecision?: (event: string, outcome: string) => void;
}

/** The most events one AuthorizeBatch call may carry. */
export const maxBatchSize = 256;

/**
 * AuthzService: one decision per event. A deny is an answer; a handler that
 * cannot decide is an error, so the caller fails closed. Every decision
 * writes one audit line (identity, event, handler, outcome, filter shape),
 * never a credential.
 */
export function createAuthzService(deps: AuthzServiceDeps): ServiceImpl<typeof AuthzService> {
  /** The trace an event carries itself (batched events each have their own), else the call's. */
  function traceOf(request: AuthorizeRequest, context: HandlerContext) {
    if (request.traceparent === "" && request.requestId === "") return requestTraceOf(context);
    return traceFromHeaders((name) => (name === "traceparent" ? request.traceparent : name === "x-request-id" ? request.requestId : undefined));
  }

  async function decideEvent(request: AuthorizeRequest, context: HandlerContext): Promise<MessageInitShape<typeof DecisionSchema>> {
    const event = `${request.resource}:${request.action}`;
    const parsed = parseEvent(event);
    if (parsed === undefined) throw invalidArgument("resource/action", `"${event}" is not an event`);
    if (request.user === undefined || request.user.identity === "") throw invalidArgument("user", "required");
    const user = userFromProto(request.user);
    const audit = { identity: user.identity, event, ...traceLogFields(traceOf(request, context)) };
    try {
      const decision = await decide(deps.table, { event: parsed.event, user, value: request.value ?? {} }, { timeoutMs: deps.handlerTimeoutMs });
      const encoded = decisionToProto(parsed.event, decision);
      const outcome = decision.effect === "deny" ? `deny:${decision.status}` : decision.filter ? "allow:filter" : "allow";
      deps.onDecision?.(parsed.event, outcome);
      deps.logger.info(
        {
          ...audit,
          handler: decision.handlerKey ?? null,
          outcome,
          filter: decision.effect === "allow" && decision.filter ? describeFilterShape(decision.filter) : undefined,
        },
        "decision",
      );
      return encoded;
    } catch (error) {
      if (!(error instanceof HandlerFailure || error instanceof InvalidMutation)) throw error;
      const handler = error instanceof HandlerFailure ? error.handlerKey : deps.table.get(parsed.event)?.key;
      deps.onDecision?.(parsed.event, "error");
      deps.logger.error({ ...audit, handler, outcome: "error", reason: error.message }, "decision");
      if (error instanceof HandlerFailure && error.kind === "timed_out") {
        throw gatehouseError(Code.DeadlineExceeded, ErrorReason.HANDLER_TIMED_OUT, "the authorization handler did not decide in time");
      }
      throw gatehouseError(Code.Internal, ErrorReason.HANDLER_FAILED, "the authorization handler failed");
    }
  }

  return {
    async authorize(request, context) {
      return { decision: await decideEvent(request, context) };
    },

    async authorizeBatch(request, context) {
      if (request.requests.length > maxBatchSize) {
        throw invalidArgument("requests", `at most ${maxBatchSize} per batch`);
      }
      const results = await Promise.all(
        request.requests.map((one) =>
          decideEvent(one, context).then(
            (decision) => ({ result: { case: "decision" as const, value: decision } }),
            (error: unknown) => {
              if (!(error instanceof ConnectError)) deps.logger.error({ err: error }, "unexpected error in a batch");
              const failure = error instanceof ConnectError ? error : internalError();
              return { result: { case: "error" as const, value: { code: failure.code, message: failure.rawMessage } } };
            },
          ),
        ),
      );
      return { results };
    },
  };
}
