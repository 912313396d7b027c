import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Decision as HandlerDecision, EventName } from "@gatehouse/auth";
import { Effect, type DecisionSchema } from "@gatehouse/contracts";
import { filterToProto, type JsonObject } from "@gatehouse/filters";

/** A handler left value.metadata (or a store item's value) in a state that cannot be persisted. */
export class InvalidMutation extends Error {
  override readonly name = "InvalidMutation";
}

/**
 * Encodes a handler's decision for the wire. Only what README "Your auth module" lets persist
 * goes back: value.metadata, and for store events the item's namespace, key
 * and value. Other mutations are dropped here.
 */
export function decisionToProto(event: EventName, decision: HandlerDecision): MessageInitShape<typeof DecisionSchema> {
  const handlerKey = decision.handlerKey ?? "";
  if (decision.effect === "deny") {
    return {
      effect: Effect.DENY,
      handlerKey,
      denial: { httpStatus: decision.status, message: decision.message, headers: decision.headers },
    };
  }
  const { value } = decision;
  return {
    effect: Effect.ALLOW,
    handlerKey,
    filter: decision.filter === undefined ? undefined : filterToProto(decision.filter),
    metadata: "metadata" in value && value.metadata !== undefined ? jsonObject("value.metadata", value.metadata) : undefined,
    item: event.startsWith("store:") ? itemTarget(event, value) : undefined,
  };
}

function itemTarget(event: EventName, value: Record<string, unknown>) {
  const { namespace = [], key } = value;
  if (!Array.isArray(namespace) || !namespace.every((label) => typeof label === "string")) {
    throw new InvalidMutation("value.namespace must stay a list of strings");
  }
  if (key !== undefined && typeof key !== "string") throw new InvalidMutation("value.key must stay a string");
  return {
    namespace,
    key: key ?? "",
    value: event === "store:put" ? jsonObject("value.value", value.value) : undefined,
  };
}

/** Checks a mutated object is plain JSON, so what is persisted is exactly what the handler left. */
function jsonObject(field: string, candidate: unknown): JsonObject {
  if (candidate === null || typeof candidate !== "object" || Array.isArray(candidate)) {
    throw new InvalidMutation(`${field} must stay a JSON object`);
  }
  let text: string;
  try {
    text = JSON.stringify(candidate);
  } catch (error) {
    throw new InvalidMutation(`${field} is not JSON: ${(error as Error).message}`);
  }
  return JSON.parse(text) as JsonObject;
}
