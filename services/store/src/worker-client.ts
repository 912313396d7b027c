import { Code, ConnectError, type Client, type HandlerContext } from "@connectrpc/connect";
import { ErrorReason, type WorkerService } from "@gatehouse/contracts";
import { errorInfoOf, gatehouseError, unavailable } from "@gatehouse/errors";
import { requestTraceOf, traceLogFields, type Logger } from "@gatehouse/server";
import { timeoutFor } from "./dependency-error.js";

/** The WorkerService client the store calls, once it has authorized the caller. */
export type WorkerClient = Client<typeof WorkerService>;

/**
 * Calls the worker on behalf of an authorized request: each call gets the
 * store's call deadline (shortened to the caller's), and a failure comes back
 * as the store's own error (`workerError`).
 */
export interface WorkerCaller {
  call<T>(context: HandlerContext, send: (client: WorkerClient, options: { timeoutMs: number; signal: AbortSignal }) => Promise<T>): Promise<T>;
}

/**
 * A worker failure as the store's own error, never forwarded as is. What the
 * caller asked wrong (INVALID_ARGUMENT naming a field, such as an unknown
 * `as_node`) and a graph gatehouse.json lacks (NOT_FOUND, GRAPH_NOT_FOUND) are
 * rebuilt with the field or graph named; unreachable or slow is UNAVAILABLE
 * or DEADLINE_EXCEEDED (retryable), anything else INTERNAL, its cause logged.
 */
export function workerError(error: unknown, logger: Logger, context: HandlerContext): ConnectError {
  const code = error instanceof ConnectError ? error.code : Code.Internal;
  const info = error instanceof ConnectError ? errorInfoOf(error) : undefined;
  if (code === Code.InvalidArgument && info?.metadata.field !== undefined && error instanceof ConnectError) {
    return gatehouseError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, error.rawMessage, { field: info.metadata.field });
  }
  if (code === Code.NotFound && info?.reason === "GRAPH_NOT_FOUND") {
    return gatehouseError(Code.NotFound, ErrorReason.GRAPH_NOT_FOUND, "graph not found", { graph_id: info.metadata.graph_id ?? "" });
  }
  if (code === Code.Unavailable) return unavailable(ErrorReason.WORKER_UNAVAILABLE, "the worker is unavailable");
  if (code === Code.DeadlineExceeded) return gatehouseError(Code.DeadlineExceeded, ErrorReason.WORKER_TIMED_OUT, "the worker did not answer in time");
  logger.error({ err: error, ...traceLogFields(requestTraceOf(context)) }, "worker call failed");
  return gatehouseError(Code.Internal, ErrorReason.WORKER_FAILED, "the worker failed");
}

/** A WorkerCaller over `client`, with `callTimeoutMs` per call. */
export function createWorkerCaller(client: WorkerClient, logger: Logger, callTimeoutMs: number): WorkerCaller {
  return {
    async call(context, send) {
      try {
        return await send(client, { timeoutMs: timeoutFor(context, callTimeoutMs), signal: context.signal });
      } catch (error) {
        throw workerError(error, logger, context);
      }
    },
  };
}
