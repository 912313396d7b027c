/** What operators see: the audit trail of decisions and the resolution table printout. */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, expectOk, grpc, storeClient, type StoreClient } from "../support/proto-client.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

describe("the audit trail", () => {
  let gatehouse: TestGatehouse;
  let alice: StoreClient;
  const lines: { service: string; line: string }[] = [];

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(fromRoot("examples/private-chat/gatehouse.scoped.json"), { LOG_LEVEL: "info" }, (service, line) =>
      lines.push({ service, line }),
    );
    alice = storeClient(gatehouse.storeAddress, { authorization: "Bearer user1-token" });
  });

  afterAll(async () => {
    alice?.close();
    await gatehouse?.stop();
  });

  function decisions(): Record<string, unknown>[] {
    return lines
      .filter(({ service, line }) => service === "authz" && line.startsWith("{"))
      .map(({ line }) => JSON.parse(line) as Record<string, unknown>)
      .filter((record) => record.msg === "decision");
  }

  it("every decision writes exactly one line with identity, event, handler, outcome and filter shape", async () => {
    const before = decisions().length;
    const { thread } = expectOk(await alice.call("ThreadService", "CreateThread", {}));
    expectOk(await alice.call("ThreadService", "GetThread", { thread_id: thread.thread_id }));
    expect(expectError(await alice.call("AssistantService", "SearchAssistants", {})).code).toBe(grpc.status.PERMISSION_DENIED);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const trail = decisions().slice(before);
    expect(trail).toHaveLength(3);
    expect(trail[0]).toMatchObject({ identity: "user1", event: "threads:create", handler: "threads:create", outcome: "allow:filter", filter: "eq(owner)" });
    expect(trail[1]).toMatchObject({ identity: "user1", event: "threads:read", handler: "threads:read", outcome: "allow:filter" });
    expect(trail[2]).toMatchObject({ identity: "user1", event: "assistants:search", handler: "assistants", outcome: "deny:403" });
  });

  it("no log line of any service carries the token", () => {
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter(({ line }) => line.includes("user1-token"))).toEqual([]);
  });
});

describe("npm run handlers", () => {
  it("prints which handler runs for every event", () => {
    const output = execFileSync(process.execPath, ["--import", "tsx", fromRoot("services/authz/src/print-handlers.ts"), fromRoot("examples/private-chat/gatehouse.scoped.json")], {
      cwd: fromRoot("."),
      encoding: "utf8",
    });
    expect(output).toMatch(/^threads:read\s+threads:read\s+onThreadRead$/m);
    expect(output).toMatch(/^threads:search\s+\*\s+addOwner$/m);
    expect(output).toMatch(/^assistants:delete\s+assistants\s+onAssistants$/m);
    expect(output).toMatch(/^store:put\s+store\s+partitionStore$/m);
  });

  it("fails with the problem when the module cannot be loaded", () => {
    let failure: { status: number; stderr: string } | undefined;
    try {
      execFileSync(process.execPath, ["--import", "tsx", fromRoot("services/authz/src/print-handlers.ts"), fromRoot("no-such-config.json")], {
        cwd: fromRoot("."),
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(1);
    expect(failure?.stderr).toContain("cannot read the config file");
  });
});
