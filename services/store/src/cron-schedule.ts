import { invalidArgument } from "@gatehouse/errors";

const fields = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day of week", min: 0, max: 7 },
] as const;

const termPattern = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/;

/**
 * Checks a five-field cron expression (minute hour day-of-month month
 * day-of-week; numbers, `*`, ranges `a-b`, steps `/n` and lists `a,b`), so
 * a stored cron is one a scheduler can run. Throws INVALID_ARGUMENT naming
 * the field that is wrong.
 */
export function validateCronSchedule(schedule: string): string {
  const parts = schedule.trim().split(/\s+/);
  if (parts.length !== fields.length) {
    throw invalidArgument("schedule", `must have 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  }
  parts.forEach((part, i) => {
    const field = fields[i]!;
    for (const term of part.split(",")) {
      const match = termPattern.exec(term);
      if (match === null) throw invalidArgument("schedule", `${field.name}: "${term}" is not a number, range, step or *`);
      const [, , from, to, step] = match;
      const inRange = (n: string | undefined) => n === undefined || (Number(n) >= field.min && Number(n) <= field.max);
      if (!inRange(from) || !inRange(to)) {
        throw invalidArgument("schedule", `${field.name}: "${term}" is outside ${field.min}-${field.max}`);
      }
      if (from !== undefined && to !== undefined && Number(from) > Number(to)) {
        throw invalidArgument("schedule", `${field.name}: "${term}" is a backwards range`);
      }
      if (step !== undefined && Number(step) === 0) throw invalidArgument("schedule", `${field.name}: a step must be at least 1`);
    }
  });
  return parts.join(" ");
}
