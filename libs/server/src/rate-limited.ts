/**
 * Wraps a report (usually a log call) so that it runs at most once per
 * `intervalMs`. Calls in between are only counted, and the next report that
 * runs is told how many were suppressed. A dependency outage then costs one
 * log line per interval instead of one per request, and nothing is hidden:
 * the counts add up.
 */
export function rateLimited<T>(
  intervalMs: number,
  report: (value: T, suppressed: number) => void,
  now: () => number = Date.now,
): (value: T) => void {
  let last = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (value) => {
    const time = now();
    if (time - last < intervalMs) {
      suppressed += 1;
      return;
    }
    last = time;
    const count = suppressed;
    suppressed = 0;
    report(value, count);
  };
}
