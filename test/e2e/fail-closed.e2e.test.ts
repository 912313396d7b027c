/**
 * Fail closed, end to end: whatever goes wrong in a handler, a filter, or a
 * downstream service, the client gets an error and never a row.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServiceProcess } from "@gatehouse/launcher";
import { expectError, expectOk, grpc, storeClient, type StoreClient } from "../support/proto-client.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

describe("misbehaving handlers fail closed", () => {
  let gatehouse: TestGatehouse;
  let user: StoreClient;
  let threadId: string;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(fromRoot("test/fixtures/fail-closed.gatehouse.json"), {
      GATEHOUSE_HANDLER_TIMEOUT_MS: "200",
    });
    user = storeClient(gatehouse.storeAddress, { authorization: "Bearer user1-token" });
    threadId = expectOk(await user.call("ThreadService", "CreateThread", {})).thread.thread_id;
  });

  afterAll(async () => {
    user?.close();
    await gatehouse?.stop();
  });

  it("an unknown operator ($regex) fails the read instead of matching", async () => {
    const error = expectError(await user.call("ThreadService", "GetThread", { thread_id: threadId }));
    expect(error.code).toBe(grpc.status.INTERNAL);
    expect(error.details).toBe("authorization failed");
  });

  it("two operators in one object fail the search: no rows", async () => {
    const error = expectError(await user.call("ThreadService", "SearchThreads", {}));
    expect(error.code).toBe(grpc.status.INTERNAL);
  });

  it("a malformed operand ($in with a string) fails run creation and records nothing", async () => {
    const error = expectError(await user.call("RunService", "CreateRun", { thread_id: threadId, assistant_id: "agent" }));
    expect(error.code).toBe(grpc.status.INTERNAL);
  });

  it("a non-finite filter operand fails the item read", async () => {
    const error = expectError(await user.call("ItemService", "GetItem", { namespace: ["user1"], key: "k" }));
    expect(error.code).toBe(grpc.status.INTERNAL);
  });

  it("a handler that throws fails closed and its message is not sent to the client", async () => {
    const error = expectError(await user.call("AssistantService", "GetAssistant", { assistant_id: randomUUID() }));
    expect(error.code).toBe(grpc.status.INTERNAL);
    expect(error.details).not.toContain("secret");
    expect(JSON.stringify(error.metadata.toJSON())).not.toContain("secret");
  });

  it("a handler that returns a number fails closed", async () => {
    const error = expectError(await user.call("AssistantService", "SearchAssistants", {}));
    expect(error.code).toBe(grpc.status.INTERNAL);
  });

  it("a handler that hangs is cut off at its time budget and nothing is written", async () => {
    const assistantId = randomUUID();
    const started = Date.now();
    const error = expectError(
      await user.call("AssistantService", "CreateAssistant", { assistant_id: assistantId, graph_id: "agent" }),
    );
    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(5_000);
    // The embedded database serves one connection at a time, held by the store: check on real Postgres only.
    if (!gatehouse.database.real) return;
    const db = new pg.Client({ connectionString: gatehouse.database.url });
    await db.connect();
    const { rows } = await db.query("SELECT count(*)::int AS n FROM assistants WHERE assistant_id = $1", [assistantId]);
    await db.end();
    expect(rows[0].n).toBe(0);
  });
});

describe("unreachable dependencies fail closed", () => {
  let gatehouse: TestGatehouse;
  let alice: StoreClient;
  let threadId: string;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(fromRoot("gatehouse.json"));
    alice = storeClient(gatehouse.storeAddress, { authorization: "Bearer user1-token" });
    threadId = expectOk(await alice.call("ThreadService", "CreateThread", {})).thread.thread_id;
  });

  afterAll(async () => {
    alice?.close();
    await gatehouse?.stop();
  });

  it("with authz down, a read answers UNAVAILABLE and no row; a new credential too with authn down", async () => {
    await gatehouse.cluster.authz.stop();
    const read = expectError(await alice.call("ThreadService", "GetThread", { thread_id: threadId }));
    expect(read.code).toBe(grpc.status.UNAVAILABLE);
    expect(read.details).toBe("the authorization service is unavailable");

    await gatehouse.cluster.authn.stop();
    const stranger = storeClient(gatehouse.storeAddress, { authorization: "Bearer user2-token" });
    const unauthenticated = expectError(await stranger.call("ThreadService", "SearchThreads", {}));
    stranger.close();
    expect(unauthenticated.code).toBe(grpc.status.UNAVAILABLE);
  });
});

describe("a broken auth module stops the service at start-up", () => {
  const fixtures = fromRoot("test/fixtures");
  const scratch = mkdtempSync(join(tmpdir(), "gatehouse-config-"));

  function configFor(authPath: string): string {
    const path = join(scratch, `${randomUUID()}.json`);
    writeFileSync(path, JSON.stringify({ auth: { path: authPath } }));
    return path;
  }

  async function startupError(service: "authn" | "authz", configPath: string): Promise<string> {
    const started = startServiceProcess({ name: service, env: { GATEHOUSE_CONFIG: configPath, AUTHN_PORT: "0", AUTHZ_PORT: "0" } });
    const error = await started.then(
      async (process) => {
        await process.stop();
        return undefined;
      },
      (reason: Error) => reason,
    );
    expect(error).toBeInstanceOf(Error);
    return error!.message;
  }

  it("a syntax error names the file", async () => {
    const message = await startupError("authz", configFor(join(fixtures, "broken-syntax-auth.ts:auth")));
    expect(message).toContain("cannot load the auth module");
    expect(message).toContain("broken-syntax-auth.ts");
  });

  it("a missing export names the file, the export and what it does export", async () => {
    const message = await startupError("authn", configFor(join(fixtures, "not-an-auth.ts:missing")));
    expect(message).toContain('has no export "missing"');
    expect(message).toContain("not-an-auth.ts");
    expect(message).toContain("auth, other");
  });

  it("an export that is not an Auth says so", async () => {
    const message = await startupError("authz", configFor(join(fixtures, "not-an-auth.ts:auth")));
    expect(message).toContain("is not an Auth instance");
  });

  it("a missing file names it", async () => {
    const message = await startupError("authn", configFor(join(fixtures, "no-such-file.ts:auth")));
    expect(message).toContain("no-such-file.ts");
  });

  it("a config without auth.path says what to write", async () => {
    const path = join(scratch, "empty.json");
    writeFileSync(path, "{}");
    expect(await startupError("authz", path)).toContain('"auth.path" must name the auth module');
  });
});
