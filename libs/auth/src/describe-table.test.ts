import { describe, expect, it } from "vitest";
import { Auth } from "./auth.js";
import { formatResolutionTable, resolutionRows } from "./describe-table.js";
import { buildHandlerTable } from "./handler-table.js";

describe("the resolution table printout", () => {
  const auth = new Auth().on("threads:read", function ownThreads() {}).on("*:delete", () => false);
  const table = buildHandlerTable(auth.definition.handlers);

  it("names, for every event, the key and function that run", () => {
    const rows = resolutionRows(table);
    expect(rows).toHaveLength(21);
    expect(rows.find((row) => row.event === "threads:read")).toEqual({ event: "threads:read", key: "threads:read", name: "ownThreads" });
    expect(rows.find((row) => row.event === "store:delete")?.key).toBe("*:delete");
    expect(rows.find((row) => row.event === "threads:create")?.key).toBeUndefined();
  });

  it("says when no handler runs and the event is allowed", () => {
    expect(formatResolutionTable(table)).toMatch(/^threads:create\s+\(none: allowed without a filter\)$/m);
    expect(formatResolutionTable(table)).toMatch(/^threads:read\s+threads:read\s+ownThreads$/m);
  });
});
