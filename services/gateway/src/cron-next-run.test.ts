import { describe, expect, it } from "vitest";
import { nextRunDate } from "./cron-next-run.js";

const at = (iso: string) => new Date(iso);
const next = (schedule: string, after: string) => nextRunDate(schedule, at(after))?.toISOString();

describe("cron next run date", () => {
  it("is the next selected minute, strictly after the given time, in UTC", () => {
    expect(next("* * * * *", "2025-01-01T10:00:30Z")).toBe("2025-01-01T10:01:00.000Z");
    expect(next("30 9 * * *", "2025-01-01T09:30:00Z")).toBe("2025-01-02T09:30:00.000Z");
    expect(next("*/15 * * * *", "2025-01-01T10:16:00Z")).toBe("2025-01-01T10:30:00.000Z");
  });

  it("rolls over hours, days, months and years", () => {
    expect(next("0 0 1 1 *", "2025-06-15T12:00:00Z")).toBe("2026-01-01T00:00:00.000Z");
    expect(next("5 4 * 2 *", "2025-01-31T23:59:00Z")).toBe("2025-02-01T04:05:00.000Z");
  });

  it("reads day of week with 0 and 7 as Sunday, ranges, lists and steps", () => {
    expect(next("0 12 * * 7", "2025-01-01T00:00:00Z")).toBe("2025-01-05T12:00:00.000Z");
    expect(next("0 12 * * 1-5/2", "2025-01-04T00:00:00Z")).toBe("2025-01-06T12:00:00.000Z");
    expect(next("0 8,20 * * *", "2025-01-01T09:00:00Z")).toBe("2025-01-01T20:00:00.000Z");
  });

  it("runs on a day matching either day field when both are restricted, as cron does", () => {
    // 2025-01-03 is a Friday; the 10th is the next day-of-month match.
    expect(next("0 0 10 * 5", "2025-01-01T00:00:00Z")).toBe("2025-01-03T00:00:00.000Z");
  });

  it("finds 29 February in the next leap year, and nothing for a day that never comes", () => {
    expect(next("0 0 29 2 *", "2025-03-01T00:00:00Z")).toBe("2028-02-29T00:00:00.000Z");
    expect(next("0 0 30 2 *", "2025-01-01T00:00:00Z")).toBeUndefined();
  });

  it("is undefined for an expression it cannot read", () => {
    expect(next("every day", "2025-01-01T00:00:00Z")).toBeUndefined();
    expect(next("60 * * * *", "2025-01-01T00:00:00Z")).toBeUndefined();
  });
});
