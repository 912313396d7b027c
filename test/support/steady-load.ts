/** What one request of a load run came to: success, or the name of its failure. */
export interface Outcome {
  /** The phase the request started in. */
  phase: number;
  /** What was asked, such as "grpc CreateThread". */
  what: string;
  /** Unset on success; otherwise a name such as "Unavailable" or "http 503". */
  failure?: string;
}

/** A request of a load run (the `step`th of its worker, from 1), answering what it asked and how it failed, if it did. */
export type LoadRequest = (worker: number, step: number) => Promise<Omit<Outcome, "phase">>;

/** A load run in progress. */
export interface SteadyLoad {
  /** Every finished request so far. */
  readonly outcomes: readonly Outcome[];
  /** Counts the requests started from now on under the next phase, and returns its number. */
  nextPhase(): number;
  /** Stops starting requests and waits for those in flight. */
  stop(): Promise<Outcome[]>;
}

/**
 * Keeps `workers` requests in flight, each worker starting its next request
 * as soon as the last one finished, and records every outcome under the phase
 * it started in, so a test can tell what happened before and after each event
 * it causes. A request that throws is recorded as an "unexpected" failure.
 */
export function startSteadyLoad(workers: number, request: LoadRequest): SteadyLoad {
  const outcomes: Outcome[] = [];
  let phase = 0;
  let running = true;
  const loops = Array.from({ length: workers }, async (_, worker) => {
    for (let step = 1; running; step += 1) {
      const started = phase;
      const outcome = await request(worker, step).catch((error: unknown) => ({ what: "request", failure: `unexpected: ${String(error)}` }));
      outcomes.push({ phase: started, ...outcome });
    }
  });
  return {
    outcomes,
    nextPhase: () => (phase += 1),
    async stop() {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}
