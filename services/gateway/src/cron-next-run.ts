interface Field {
  min: number;
  max: number;
}

const fields: readonly Field[] = [
  { min: 0, max: 59 }, // minute
  { min: 0, max: 23 }, // hour
  { min: 1, max: 31 }, // day of month
  { min: 1, max: 12 }, // month
  { min: 0, max: 7 }, // day of week, 0 and 7 are Sunday
];

interface Schedule {
  minute: Set<number>;
  hour: Set<number>;
  dayOfMonth: Set<number>;
  month: Set<number>;
  dayOfWeek: Set<number>;
  /** Whether day of month / day of week were written with `*`, which decides how the two combine. */
  anyDayOfMonth: boolean;
  anyDayOfWeek: boolean;
}

function parseField(text: string, field: Field): Set<number> | undefined {
  const values = new Set<number>();
  for (const term of text.split(",")) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(term);
    if (match === null) return undefined;
    const [, , from, to, step] = match;
    const start = from === undefined ? field.min : Number(from);
    // `n/s` runs from n to the field's end, as in Vixie cron.
    const end = to !== undefined ? Number(to) : from === undefined || step !== undefined ? field.max : start;
    const stride = step === undefined ? 1 : Number(step);
    if (start < field.min || end > field.max || start > end || stride < 1) return undefined;
    for (let value = start; value <= end; value += stride) values.add(value);
  }
  return values;
}

function parse(schedule: string): Schedule | undefined {
  const parts = schedule.trim().split(/\s+/);
  if (parts.length !== 5) return undefined;
  const sets = parts.map((part, i) => parseField(part, fields[i]!));
  if (sets.some((set) => set === undefined)) return undefined;
  const [minute, hour, dayOfMonth, month, dayOfWeek] = sets as Set<number>[];
  if (dayOfWeek!.has(7)) dayOfWeek!.add(0);
  return {
    minute: minute!,
    hour: hour!,
    dayOfMonth: dayOfMonth!,
    month: month!,
    dayOfWeek: dayOfWeek!,
    anyDayOfMonth: parts[2]!.startsWith("*"),
    anyDayOfWeek: parts[4]!.startsWith("*"),
  };
}

// Cron's rule: when both day fields are restricted, a day matching either runs.
function dayMatches(schedule: Schedule, time: Date): boolean {
  const byMonth = schedule.dayOfMonth.has(time.getUTCDate());
  const byWeek = schedule.dayOfWeek.has(time.getUTCDay());
  if (schedule.anyDayOfMonth) return byWeek;
  if (schedule.anyDayOfWeek) return byMonth;
  return byMonth || byWeek;
}

const minuteMs = 60_000;
// Far enough for any satisfiable schedule whose days repeat within leap-year cycles.
const horizonMs = 8 * 366 * 24 * 60 * minuteMs;

/**
 * The first minute strictly after `after` (UTC) that a five-field cron
 * expression selects, or undefined when it never does (such as 30 February)
 * or cannot be read. Gatehouse stores crons without running them; this is
 * the `next_run_date` a scheduler would use, which LangGraph clients show.
 */
export function nextRunDate(expression: string, after: Date): Date | undefined {
  const schedule = parse(expression);
  if (schedule === undefined) return undefined;
  const time = new Date(Math.floor(after.getTime() / minuteMs) * minuteMs + minuteMs);
  const horizon = after.getTime() + horizonMs;
  while (time.getTime() <= horizon) {
    if (!schedule.month.has(time.getUTCMonth() + 1)) {
      time.setUTCMonth(time.getUTCMonth() + 1, 1);
      time.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(schedule, time)) {
      time.setUTCDate(time.getUTCDate() + 1);
      time.setUTCHours(0, 0, 0, 0);
    } else if (!schedule.hour.has(time.getUTCHours())) {
      time.setUTCHours(time.getUTCHours() + 1, 0, 0, 0);
    } else if (!schedule.minute.has(time.getUTCMinutes())) {
      time.setTime(time.getTime() + minuteMs);
    } else {
      return time;
    }
  }
  return undefined;
}
