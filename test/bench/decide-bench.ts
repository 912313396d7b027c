import { Auth, buildHandlerTable, decide, normalizeUser } from "@gatehouse/auth";

/**
 * In-process cost of one decision: resolve the handler from the table, run
 * the tutorial's owner handler, validate the filter it returns.
 */
export async function measureDecide(iterations: number): Promise<{ meanUs: number; p50Us: number; p99Us: number }> {
  const auth = new Auth().on("*", ({ user, value }) => {
    const target = value as { metadata?: Record<string, unknown> };
    if ("metadata" in target) target.metadata = { ...target.metadata, owner: user.identity };
    return { owner: user.identity };
  });
  const table = buildHandlerTable(auth.definition.handlers);
  const user = normalizeUser({ identity: "owner-1" });
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < iterations; i += 1) {
    const begin = performance.now();
    await decide(table, { event: "threads:read", user, value: { thread_id: "t" } }, { timeoutMs: 1000 });
    samples.push(performance.now() - begin);
  }
  const meanUs = ((performance.now() - started) / iterations) * 1000;
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.floor(q * samples.length)]! * 1000;
  return { meanUs, p50Us: at(0.5), p99Us: at(0.99) };
}
