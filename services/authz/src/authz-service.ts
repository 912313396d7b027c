import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { decide, HandlerFailure, parseEvent, type HandlerTable } from "@gatehouse/auth";
import type { AuthorizeBatchResponseSchema, AuthorizeRequest, AuthorizeResultSchema, AuthzService, DecisionSchema } from "@gatehouse/contracts";
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

  /** The handler's time: authz's own budget, cut to what the event's caller (or the call) still waits. */
  function budgetOf(request: AuthorizeRequest, context: HandlerContext): number {
    const callerWaits = request.timeoutMs > 0 ? request.timeoutMs : context.timeoutMs();
    return Math.max(1, Math.min(deps.handlerTimeoutMs, callerWaits ?? deps.handlerTimeoutMs));
  }

  /** One event of a batch as its result: a decision, or the error Authorize would have failed with. */
  function resultOf(request: AuthorizeRequest, context: HandlerContext): Promise<MessageInitShape<typeof AuthorizeResultSchema>> {
    return decideEvent(request, context).then(
      (decision) => ({ result: { case: "decision" as const, value: decision } }),
      (error: unknown) => {
        if (!(error instanceof ConnectError)) deps.logger.error({ err: error }, "unexpected error in a batch");
        const failure = error instanceof ConnectError ? error : internalError();
        return { result: { case: "error" as const, value: { code: failure.code, message: failure.rawMessage } } };
      },
    );
  }

  async function decideEvent(request: AuthorizeRequest, context: HandlerContext): Promise<MessageInitShape<typeof DecisionSchema>> {
    const event = `${request.resource}:${request.action}`;
    const parsed = parseEvent(event);
    if (parsed === undefined) throw invalidArgument("resource/action", `"${event}" is not an event`);
    if (request.user === undefined || request.user.identity === "") throw invalidArgument("user", "required");
    const user = userFromProto(request.user);
    const audit = () => ({ identity: user.identity, event, ...traceLogFields(traceOf(request, context)) });
    try {
      const decision = await decide(deps.table, { event: parsed.event, user, value: request.value ?? {} }, { timeoutMs: budgetOf(request, context) });
      const encoded = decisionToProto(parsed.event, decision);
      const outcome = decision.effect === "deny" ? `deny:${decision.status}` : decision.filter ? "allow:filter" : "allow";
      deps.onDecision?.(parsed.event, outcome);
      // The audit line (and the filter's shape in it) is built only when it is written.
      if (deps.logger.isLevelEnabled("info")) deps.logger.info(
        {
          ...audit(),
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
      deps.logger.error({ ...audit(), handler, outcome: "error", reason: error.message }, "decision");
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

    async *authorizeBatch(request, context) {
      if (request.requests.length > maxBatchSize) {
        throw invalidArgument("requests", `at most ${maxBatchSize} per batch`);
      }
      // Each result leaves as soon as its handler finishes, so one slow handler delays only its own caller.
      const finished: MessageInitShape<typeof AuthorizeBatchResponseSchema>[] = [];
      let wake: (() => void) | undefined;
      request.requests.forEach((one, index) => {
        void resultOf(one, context).then((result) => {
          finished.push({ index, result });
          wake?.();
        });
      });
      for (let sent = 0; sent < request.requests.length; ) {
        if (finished.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        const ready = finished.splice(0);
        for (const response of ready) yield response;
        sent += ready.length;
      }
    },
  };
}
