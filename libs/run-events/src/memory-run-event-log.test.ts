import { describe, expect, it } from "vitest";
import { createMemoryRunEventLog } from "./memory-run-event-log.js";
import { describeRunEventLogConformance } from "./run-event-log.conformance.js";

describeRunEventLogConformance("the in-memory log", {
  create: (bounds) => createMemoryRunEventLog(bounds),
  sharedAcrossInstances: false,
  connections: async () => 0,
  trimSlack: 0,
  expirySlackMs: 50,
});

describe("createMemoryRunEventLog", () => {
  it("forgets a run nobody finished once abandonedTtlMs has passed since its last append", async () => {
    const log = createMemoryRunEventLog({ abandonedTtlMs: 100 });
    await log.append("run-1", [{ event: "values", data: 1 }]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await log.append("run-1", [{ event: "values", data: 2 }]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const controller = new AbortController();
    const first = await log.read("run-1", { signal: controller.signal })[Symbol.asyncIterator]().next();
    expect(first.value).toEqual({ id: "1", event: "values", data: 1 });
    await new Promise((resolve) => setTimeout(resolve, 120));
    const later = log.read("run-1", { signal: AbortSignal.timeout(100) })[Symbol.asyncIterator]();
    expect((await later.next()).done).toBe(true);
    await log.close();
  });

  it("refuses bounds that are not positive integers, naming the option", () => {
    expect(() => createMemoryRunEventLog({ maxEventsPerRun: 0 })).toThrow(/maxEventsPerRun/);
    expect(() => createMemoryRunEventLog({ finishedTtlMs: 1.5 })).toThrow(/finishedTtlMs/);
  });
});
