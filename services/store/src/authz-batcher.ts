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
  timer: NodeJS.Timeout;
  settled: boolean;
  resolve: (decision: Decision) => void;
  reject: (error: unknown) => void;
  /** Told once the event has its outcome, so its batch knows when nobody waits any more. */
  onSettled?: () => void;
}

/** Gives a pending event its outcome, once: a result or its own deadline, whichever comes first. */
function settle(pending: Pending, outcome: { decision: Decision } | { error: unknown }): void {
  if (pending.settled) return;
  pending.settled = true;
  clearTimeout(pending.timer);
  if ("decision" in outcome) pending.resolve(outcome.decision);
  else pending.reject(outcome.error);
  pending.onSettled?.();
}

/**
 * Coalesces the authorizations of concurrent requests into AuthorizeBatch
 * calls: while a call is out, events queued during one turn of the event
 * loop leave together on the next. One call pays the per-RPC cost of grpc-js
 * once for the batch, on both sides of the hop. When no call is out there is
 * nothing to wait for: events leave as soon as the current run of
 * microtasks ends, without the extra turn, and a batch of one event goes as
 * a unary Authorize call, which costs both sides less than a stream.
 *
 * Each event keeps its own budget, so batching never couples callers: it
 * carries its own timeout for the handler, fails alone with
 * DEADLINE_EXCEEDED at its own deadline, and resolves as soon as authz
 * streams its result, whatever the other events of the batch do. The batch
 * call's deadline is the latest of its events'.
 */
export function createBatchingAuthorizer(authz: Client<typeof AuthzService>, maxBatchSize = 64): Authorizer {
  let queue: Pending[] = [];
  let scheduled = false;
  /** Calls sent and not yet ended. */
  let outstanding = 0;

  function flush(): void {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatchSize);
      queue = queue.slice(batch.length);
      outstanding++;
      void (batch.length === 1 ? sendOne(batch[0]!) : send(batch)).finally(() => outstanding--);
    }
  }

  /** A lone event as a unary call, cancelled once the event gave up at its own deadline. */
  async function sendOne(pending: Pending): Promise<void> {
    if (pending.settled) return;
    const waits = Math.max(1, pending.deadline - Date.now());
    const abort = new AbortController();
    let answered = false;
    pending.onSettled = () => {
      if (!answered) abort.abort();
    };
    try {
      const { decision } = await authz.authorize({ ...pending.request, timeoutMs: waits }, { timeoutMs: waits, signal: abort.signal });
      answered = true;
      settle(pending, decision === undefined ? { error: new ConnectError("authz sent an empty result", Code.Internal) } : { decision });
    } catch (error) {
      answered = true;
      settle(pending, { error });
    }
  }

  async function send(batch: Pending[]): Promise<void> {
    const now = Date.now();
    const waits = (pending: Pending) => Math.max(1, pending.deadline - now);
    // Once every event has its outcome and some only by their own deadline, nobody waits for the rest of
    // the stream: it is cancelled. When every result arrived, the stream is ending on its own.
    const abort = new AbortController();
    let open = batch.filter((pending) => !pending.settled).length;
    let received = 0;
    if (open === 0) return;
    for (const pending of batch) {
      pending.onSettled = () => {
        if (--open === 0 && received < batch.length) abort.abort();
      };
    }
    try {
      const responses = authz.authorizeBatch(
        { requests: batch.map((pending) => ({ ...pending.request, timeoutMs: waits(pending) })) },
        { timeoutMs: Math.max(...batch.map(waits)), signal: abort.signal },
      );
      for await (const { index, result } of responses) {
        received++;
        const pending = batch[index];
        if (pending === undefined) throw new ConnectError("authz answered for an event the batch does not have", Code.Internal);
        const outcome = result?.result;
        if (outcome?.case === "decision") settle(pending, { decision: outcome.value });
        else if (outcome?.case === "error") settle(pending, { error: new ConnectError(outcome.value.message, outcome.value.code as Code) });
        else settle(pending, { error: new ConnectError("authz sent an empty result", Code.Internal) });
      }
      // An error (and its stack trace) is made only for an event still waiting, which a whole stream never leaves.
      for (const pending of batch) {
        if (!pending.settled) settle(pending, { error: new ConnectError("authz ended the batch without this event's result", Code.Internal) });
      }
    } catch (error) {
      for (const pending of batch) settle(pending, { error });
    }
  }

  return {
    authorize(request, timeoutMs) {
      return new Promise((resolve, reject) => {
        const pending: Pending = {
          request,
          deadline: Date.now() + timeoutMs,
          timer: setTimeout(
            () => settle(pending, { error: new ConnectError("authorization did not finish within the caller's deadline", Code.DeadlineExceeded) }),
            timeoutMs,
          ),
          settled: false,
          resolve,
          reject,
        };
        queue.push(pending);
        if (!scheduled) {
          scheduled = true;
          if (outstanding === 0) queueMicrotask(flush);
          else setImmediate(flush);
        }
      });
    },
  };
}
