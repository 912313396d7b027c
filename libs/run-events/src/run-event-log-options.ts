/** Bounds every run event log applies; each implementation documents how exactly. */
export interface RunEventLogBounds {
  /** Most events a run keeps; appending more drops the oldest. Default 10 000. */
  maxEventsPerRun?: number;
  /** How long a finished run's events stay readable. Default 600 000 ms (10 minutes). */
  finishedTtlMs?: number;
  /**
   * How long a run that is never finished keeps its events after its last
   * append, so the stream of a worker that died mid-run still goes away.
   * Default 3 600 000 ms (1 hour).
   */
  abandonedTtlMs?: number;
}

/** The defaults of {@link RunEventLogBounds}. */
export const defaultRunEventLogBounds: Required<RunEventLogBounds> = {
  maxEventsPerRun: 10_000,
  finishedTtlMs: 600_000,
  abandonedTtlMs: 3_600_000,
};

/** The bounds with defaults filled in, each checked to be a positive integer. */
export function resolveBounds(bounds: RunEventLogBounds): Required<RunEventLogBounds> {
  const resolved = { ...defaultRunEventLogBounds };
  for (const key of Object.keys(defaultRunEventLogBounds) as (keyof RunEventLogBounds)[]) {
    const value = bounds[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${key} must be a positive integer, got ${value}`);
    resolved[key] = value;
  }
  return resolved;
}

/** Parses a sequence-number event id (`"1"`, `"2"`, …) as the memory and Postgres logs issue them; undefined when malformed. */
export function parseSeqId(id: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(id)) return undefined;
  const seq = Number(id);
  return Number.isSafeInteger(seq) ? seq : undefined;
}
