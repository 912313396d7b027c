import { describe, expect, it } from "vitest";
import { json, route } from "./route.js";
import { createRouter } from "./router.js";

const ok = async () => json(null);
const match = createRouter([
  route("GET", "/threads/:thread_id", ok),
  route("PATCH", "/threads/:thread_id", ok),
  route("POST", "/threads/search", ok),
  route("GET", "/runs/crons/:cron_id", ok),
  route("GET", "/runs/:run_id/stream", ok),
]);

describe("router", () => {
  it("a literal segment outranks a parameter, so /threads/search is never a thread id", () => {
    expect(match("POST", "/threads/search")).toMatchObject({ kind: "found", route: { path: "/threads/search" } });
    expect(match("GET", "/runs/crons/stream")).toMatchObject({ kind: "found", route: { path: "/runs/crons/:cron_id" }, params: { cron_id: "stream" } });
  });

  it("path parameters arrive percent-decoded", () => {
    expect(match("GET", "/threads/a%20b")).toMatchObject({ params: { thread_id: "a b" } });
  });

  it("a path served under other methods is method-not-allowed, listing them", () => {
    expect(match("DELETE", "/threads/search")).toEqual({ kind: "method-not-allowed", allowed: ["GET", "PATCH", "POST"] });
  });

  it("an unknown path, an empty parameter or a malformed escape is not found", () => {
    expect(match("GET", "/nowhere")).toEqual({ kind: "not-found" });
    expect(match("GET", "/threads/")).toEqual({ kind: "not-found" });
    expect(match("GET", "/threads/%E0%A4%A")).toEqual({ kind: "not-found" });
  });
});
