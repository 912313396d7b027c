import type { CallOptions } from "@connectrpc/connect";

/**
 * The options of every store call one HTTP request makes: the caller's
 * headers as metadata, a signal that fires if the caller goes away, and a
 * timeout that is whatever is left of the request's one deadline each time a
 * call starts. A request that makes several store calls therefore shares one
 * budget instead of granting each call a fresh one, and the store (and the
 * authn and authz calls it makes in turn) sees the deadline the gateway
 * holds, shortened at every hop. `onAnswered` hears of every call the store
 * answered without an error.
 */
export function storeCallOptions(headers: HeadersInit, signal: AbortSignal, deadline: number, onAnswered?: () => void): CallOptions {
  return {
    headers,
    signal,
    get timeoutMs() {
      return Math.max(1, deadline - Date.now());
    },
    // Called only when a call succeeds: the store then authenticated the caller's credential.
    ...(onAnswered && { onHeader: onAnswered }),
  };
}
