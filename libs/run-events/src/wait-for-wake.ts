/**
 * Waits until `subscribe`'s callback fires, `timeoutMs` passes, or `signal`
 * aborts, whichever comes first; then removes the timer, the abort listener
 * and the subscription, so a waiting reader holds nothing once it returns.
 * `subscribe` registers the callback and returns how to unregister it.
 */
export function waitForWake(
  subscribe: (wake: () => void) => () => void,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    let settled = false;
    let unsubscribe: (() => void) | undefined;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      unsubscribe?.();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    signal?.addEventListener("abort", done, { once: true });
    const off = subscribe(done);
    if (settled) off();
    else unsubscribe = off;
  });
}
