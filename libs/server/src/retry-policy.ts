import type { DescService } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";

/** One RPC, named as a gRPC service config names it. */
export interface MethodName {
  /** The fully qualified service name, such as `gatehouse.store.v1.ThreadService`. */
  service: string;
  /** The method's name as in the .proto, such as `GetThread`. */
  method: string;
}

/** What an internal client may repeat on its own. */
export interface RetryScope {
  /** Services whose every method is safe to repeat. */
  retryableServices?: readonly string[];
  /** Single methods that are safe to repeat, in services that also have unsafe ones. */
  retryableMethods?: readonly MethodName[];
}

/** How often and how soon a safe call is tried again. */
export const retryPolicy = {
  maxAttempts: 3,
  initialBackoff: "0.02s",
  maxBackoff: "0.2s",
  backoffMultiplier: 2,
  retryableStatusCodes: ["UNAVAILABLE"],
} as const;

/**
 * The methods of these services that the contract declares free of side
 * effects (`option idempotency_level = NO_SIDE_EFFECTS`). The list comes from
 * the descriptors rather than from method names, so a new write can never be
 * retried by accident: a method is repeatable only once its .proto says so.
 */
export function methodsWithoutSideEffects(services: readonly DescService[]): MethodName[] {
  return services.flatMap((service) =>
    service.methods
      .filter((method) => method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS)
      .map((method) => ({ service: service.typeName, method: method.name })),
  );
}

/**
 * The grpc-js service config of an internal channel: round-robin over every
 * address the target resolves to, and retries with exponential backoff on
 * UNAVAILABLE for the calls in `scope` only. UNAVAILABLE means the request
 * reached no replica that could serve it (or the replica died under it), so
 * repeating a read elsewhere is safe; a write might already have happened and
 * is left to the caller. Retries stay inside the call's deadline.
 */
export function grpcServiceConfig(scope: RetryScope): object {
  const names = [
    ...(scope.retryableServices ?? []).map((service) => ({ service })),
    ...(scope.retryableMethods ?? []).map(({ service, method }) => ({ service, method })),
  ];
  return {
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig: names.length === 0 ? [] : [{ name: names, retryPolicy: retryPolicy }],
  };
}
