import { ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { nextFiring, nextRunAfter, validateCronSchedule } from "./cron-schedule.js";

const at = (iso: string) => new Date(iso);
const next = (schedule: string, after: string) => nextRunAfter(schedule, at(after))?.toISOString();

function rejection(schedule: string): string {
  try {
    validateCronSchedule(schedule);
  } catch (error) {
    if (error instanceof ConnectError) return error.rawMessage;
    throw error;
  }
  throw new Error(`${schedule} was accepted`);
}

describe("validateCronSchedule", () => {
  it("accepts five-field and six-field (seconds first) expressions, with single spaces", () => {
    expect(validateCronSchedule(" */5  * * * * ")).toBe("*/5 * * * *");
    expect(validateCronSchedule("*/2 * * * * *")).toBe("*/2 * * * * *");
    expect(validateCronSchedule("30 9 * * MON-FRI")).toBe("30 9 * * MON-FRI");
  });

  it.each([["* * * *"], ["* * * * * * *"], ["@hourly"]])("refuses %j for its number of fields, naming schedule", (schedule) => {
    expect(rejection(schedule)).toMatch(/^schedule: must have 5 fields .*got \d$/);
  });

  it.each([["60 * * * *"], ["* * 0 * *"], ["5-1 * * * *"], ["*/0 * * * *"], ["a * * * *"], ["* * * * 8"], ["0 0 30 2 *"], ["H * * * *"]])(
    "refuses %j naming schedule",
    (schedule) => {
      expect(rejection(schedule)).toMatch(/^schedule: /);
    },
  );
});

describe("nextRunAfter", () => {
  it("is the first selected time strictly after the given one, in UTC", () => {
    expect(next("30 9 * * 1", "2026-01-01T00:00:00Z")).toBe("2026-01-05T09:30:00.000Z");
    expect(next("0 0 1 1 *", "2026-01-01T00:00:00Z")).toBe("2027-01-01T00:00:00.000Z");
    expect(next("*/2 * * * * *", "2026-01-01T00:00:01.500Z")).toBe("2026-01-01T00:00:02.000Z");
    expect(next("0 0 29 2 *", "2026-03-01T00:00:00Z")).toBe("2028-02-29T00:00:00.000Z");
  });

  it("reads both restricted day fields as either one, as cron does", () => {
    // 13th of the month or a Friday: Friday 2 January 2026 comes first.
    expect(next("0 0 13 * 5", "2026-01-01T00:00:00Z")).toBe("2026-01-02T00:00:00.000Z");
  });
});

describe("nextFiring", () => {
  it("is undefined once the next selected time is past the end time", () => {
    const end = at("2026-01-01T00:00:05Z");
    expect(nextFiring("*/2 * * * * *", at("2026-01-01T00:00:03Z"), end)?.toISOString()).toBe("2026-01-01T00:00:04.000Z");
    expect(nextFiring("*/2 * * * * *", at("2026-01-01T00:00:04Z"), end)).toBeUndefined();
    expect(nextFiring("*/2 * * * * *", at("2026-01-01T00:00:04Z"), null)?.toISOString()).toBe("2026-01-01T00:00:06.000Z");
  });
});
