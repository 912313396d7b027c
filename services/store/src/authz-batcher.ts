import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { AuthorizeRequestSchema, AuthzService, Decision } from "@gatehouse/contracts";

/** Asks authz for one decision. */
export interface Authorizer {
  /** Resolves the decision, or rejects with the ConnectError authz answered for this event. */
  authorize(request: MessageInitShape<typeof AuthorizeRequestSchema>, timeoutMs: number): Promise<Decision>;
}

interface Pending {
  request: MessageInitShape<typeof AuthorizeRequestSchema>;
  deadline: number;
  resolve: (decision: Decision) => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces the authorizations of concurrent requests into AuthorizeBatch
 * calls: events queued during one turn of the event loop leave together on
 * the next. One call pays the per-RPC cost of grpc-js once for the batch,
 * on both sides of the hop; a lone request waits only for that turn.
 * Each event still gets its own decision or its own error.
 */
export function createBatchingAuthorizer(authz: Client<typeof AuthzService>, maxBatchSize = 64): Authorizer {
  let queue: Pending[] = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatchSize);
      queue = queue.slice(batch.length);
      void send(batch);
    }
  }

  async function send(batch: Pending[]): Promise<void> {
    const timeoutMs = Math.max(1, Math.min(...batch.map((pending) => pending.deadline)) - Date.now());
    try {
      const { results } = await authz.authorizeBatch({ requests: batch.map((pending) => pending.request) }, { timeoutMs });
      if (results.length !== batch.length) throw new ConnectError("authz answered a batch with the wrong number of results", Code.Internal);
      batch.forEach((pending, i) => {
        const { result } = results[i]!;
        if (result.case === "decision") pending.resolve(result.value);
        else if (result.case === "error") pending.reject(new ConnectError(result.value.message, result.value.code as Code));
        else pending.reject(new ConnectError("authz sent an empty result", Code.Internal));
      });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }

  return {
    authorize(request, timeoutMs) {
      return new Promise((resolve, reject) => {
        queue.push({ request, deadline: Date.now() + timeoutMs, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}
