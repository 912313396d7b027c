import { CronExpressionParser } from "cron-parser";
import { invalidArgument } from "@gatehouse/errors";

// `H` picks a value from a hash seed; without one each store replica would
// pick its own, so the same cron would be due at different times.
const hashTerm = /\bH\b/i;

/**
 * Checks a cron expression with cron-parser and returns it with single
 * spaces: five fields (minute hour day-of-month month day-of-week), or six
 * with seconds first. Read in UTC (README "Crons"). Throws INVALID_ARGUMENT
 * naming `schedule` when it is malformed or never selects a time.
 */
export function validateCronSchedule(schedule: string): string {
  const parts = schedule.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    throw invalidArgument("schedule", `must have 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first, got ${parts.length}`);
  }
  const normalized = parts.join(" ");
  if (hashTerm.test(normalized)) throw invalidArgument("schedule", "H (hashed) values are not supported");
  let next: Date | undefined;
  try {
    next = nextRunAfter(normalized, new Date());
  } catch (error) {
    throw invalidArgument("schedule", error instanceof Error ? error.message : "is not a cron expression");
  }
  if (next === undefined) throw invalidArgument("schedule", "never selects a time");
  return normalized;
}

/**
 * The first time strictly after `after` that a schedule selects, in UTC;
 * undefined when it selects none. Throws cron-parser's error on an
 * expression it cannot read (validateCronSchedule checks that first).
 */
export function nextRunAfter(schedule: string, after: Date): Date | undefined {
  const expression = CronExpressionParser.parse(schedule, { currentDate: after, tz: "UTC" });
  if (!expression.hasNext()) return undefined;
  return expression.next().toDate();
}

/**
 * When a cron fires next: the first time its schedule selects after `after`,
 * or undefined when there is none before `endTime` (the cron stops).
 */
export function nextFiring(schedule: string, after: Date, endTime: Date | null | undefined): Date | undefined {
  const next = nextRunAfter(schedule, after);
  if (next === undefined || (endTime !== null && endTime !== undefined && next.getTime() > endTime.getTime())) return undefined;
  return next;
}
