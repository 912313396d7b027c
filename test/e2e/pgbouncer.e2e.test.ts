/**
 * The store behind PgBouncer in transaction pooling mode, as operators run it
 * in front of Postgres. PgBouncer 1.18 (Debian 12) keeps no prepared
 * statements in this mode: a statement prepared on one server connection is
 * unknown on the next, so the store must run every statement unnamed
 * (DATABASE_PREPARED_STATEMENTS=false). This file starts a pgbouncer of its
 * own on a free port, with a pool smaller than the store's so clients share
 * server connections, and drives every store service through it, also
 * concurrently. It installs nothing: `scripts/ensure-system-packages.sh`
 * does, and without pgbouncer (or a real Postgres) the file skips.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { startCluster, type Cluster } from "@gatehouse/launcher";
import { freeLoopbackPort } from "@gatehouse/redis/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, expectOk, fromStruct, grpc, storeClient, toStruct, type StoreClient } from "../support/proto-client.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { fromRoot } from "../support/test-gatehouse.js";

/** The pgbouncer binary: on the PATH, or where Debian puts it (/usr/sbin is not on every user's PATH). */
const pgbouncerBinary = ["pgbouncer", "/usr/sbin/pgbouncer"].find((binary) => spawnSync(binary, ["--version"]).status === 0);
const realPostgres = Boolean(process.env.DATABASE_URL);
if (pgbouncerBinary === undefined) console.warn("pgbouncer.e2e: skipped, pgbouncer is not installed (run scripts/ensure-system-packages.sh as root)");
else if (!realPostgres) console.warn("pgbouncer.e2e: skipped, it needs a real Postgres at DATABASE_URL");

/** A running pgbouncer of this file's own, and what it printed. */
interface Bouncer {
  url: string;
  output: string[];
  stop(): Promise<void>;
}

/**
 * Starts pgbouncer in transaction mode in front of `database`, trusting the
 * user named in the database's URL (local test Postgres trusts it too). The
 * store's pool (10) is larger than PgBouncer's server pool (3), so each
 * server connection serves several store connections in turn.
 */
async function startPgbouncer(database: TestDatabase): Promise<Bouncer> {
  const target = new URL(database.url);
  const user = decodeURIComponent(target.username || "postgres");
  const port = await freeLoopbackPort();
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-pgbouncer-"));
  // pgbouncer refuses to run as root; as root it drops to `nobody`, who must read the config.
  chmodSync(dir, 0o755);
  const userlist = join(dir, "userlist.txt");
  writeFileSync(userlist, `"${user}" ""\n`, { mode: 0o644 });
  const ini = join(dir, "pgbouncer.ini");
  writeFileSync(
    ini,
    [
      "[databases]",
      `gatehouse = host=${target.hostname} port=${target.port || "5432"} dbname=${target.pathname.slice(1)} user=${user}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${userlist}`,
      "pool_mode = transaction",
      "default_pool_size = 3",
      "max_client_conn = 200",
      "ignore_startup_parameters = extra_float_digits",
      "",
    ].join("\n"),
    { mode: 0o644 },
  );
  const asRoot = process.getuid?.() === 0;
  const child: ChildProcess = spawn(pgbouncerBinary!, [...(asRoot ? ["-u", "nobody"] : []), ini], { stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) stream.on("data", (chunk: Buffer) => output.push(...chunk.toString("utf8").split("\n").filter(Boolean)));
  const url = `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/gatehouse`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (child.exitCode !== null) break;
    const probe = new pg.Client({ connectionString: url });
    const up = await probe.connect().then(
      () => probe.query("SELECT 1").then(() => true),
      () => false,
    );
    await probe.end().catch(() => {});
    if (up) return { url, output, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`pgbouncer did not start:\n${output.join("\n")}`);
}

describe.skipIf(pgbouncerBinary === undefined || !realPostgres)("the store behind PgBouncer in transaction mode", () => {
  let database: TestDatabase;
  let bouncer: Bouncer;
  let cluster: Cluster;
  let alice: StoreClient;
  let bob: StoreClient;
  const storeLog: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    bouncer = await startPgbouncer(database);
    cluster = await startCluster({
      configPath: fromRoot("test/fixtures/store-owner.gatehouse.json"),
      databaseUrl: bouncer.url,
      env: {
        DATABASE_PREPARED_STATEMENTS: "false",
        DATABASE_POOL_MAX: "10",
        GATEHOUSE_RATE_LIMIT_PER_SECOND: "0",
        LOG_LEVEL: "warn",
      },
      onLog: (service, line) => {
        if (service.startsWith("store")) storeLog.push(line);
      },
    });
    alice = storeClient(cluster.store.address, { authorization: "Bearer user1-token" });
    bob = storeClient(cluster.store.address, { authorization: "Bearer user2-token" });
  });

  afterAll(async () => {
    alice?.close();
    bob?.close();
    await cluster?.stop();
    await bouncer?.stop();
    await database?.drop();
  });

  it("creates, reads, searches, counts, updates, copies and deletes threads", async () => {
    const tag = randomUUID();
    const { thread } = expectOk(await alice.call("ThreadService", "CreateThread", { metadata: toStruct({ tag, n: 1 }) }));
    expect(expectOk(await alice.call("ThreadService", "GetThread", { thread_id: thread.thread_id })).thread.thread_id).toBe(thread.thread_id);
    const updated = expectOk(await alice.call("ThreadService", "UpdateThread", { thread_id: thread.thread_id, metadata: toStruct({ n: 2 }) }));
    expect(fromStruct(updated.thread.metadata)).toMatchObject({ tag, n: 2 });
    const { thread: copy } = expectOk(await alice.call("ThreadService", "CopyThread", { thread_id: thread.thread_id }));
    expect(expectOk(await alice.call("ThreadService", "SearchThreads", { metadata: toStruct({ tag }) })).threads).toHaveLength(2);
    expect(expectOk(await alice.call("ThreadService", "CountThreads", { metadata: toStruct({ tag }) })).count).toBe("2");
    expect(expectError(await bob.call("ThreadService", "GetThread", { thread_id: thread.thread_id })).code).toBe(grpc.status.NOT_FOUND);
    expectOk(await alice.call("ThreadService", "DeleteThread", { thread_id: copy.thread_id }));
    expect(expectError(await alice.call("ThreadService", "GetThread", { thread_id: copy.thread_id })).code).toBe(grpc.status.NOT_FOUND);
  });

  it("creates, versions, searches, counts and deletes assistants", async () => {
    const tag = randomUUID();
    const { assistant } = expectOk(await alice.call("AssistantService", "CreateAssistant", { graph_id: "agent", name: "v1", metadata: toStruct({ tag }) }));
    expectOk(await alice.call("AssistantService", "UpdateAssistant", { assistant_id: assistant.assistant_id, name: "v2" }));
    expect(expectOk(await alice.call("AssistantService", "ListAssistantVersions", { assistant_id: assistant.assistant_id })).versions).toHaveLength(2);
    expectOk(await alice.call("AssistantService", "SetLatestAssistantVersion", { assistant_id: assistant.assistant_id, version: 1 }));
    expect(expectOk(await alice.call("AssistantService", "GetAssistant", { assistant_id: assistant.assistant_id })).assistant.name).toBe("v1");
    expect(expectOk(await alice.call("AssistantService", "SearchAssistants", { metadata: toStruct({ tag }) })).assistants).toHaveLength(1);
    expect(expectOk(await alice.call("AssistantService", "CountAssistants", { metadata: toStruct({ tag }) })).count).toBe("1");
    expectOk(await alice.call("AssistantService", "DeleteAssistant", { assistant_id: assistant.assistant_id }));
    expect(expectOk(await alice.call("AssistantService", "CountAssistants", { metadata: toStruct({ tag }) })).count).toBe("0");
  });

  it("creates, reads, lists, cancels and deletes runs", async () => {
    const { thread } = expectOk(await alice.call("ThreadService", "CreateThread", {}));
    const first = expectOk(await alice.call("RunService", "CreateRun", { thread_id: thread.thread_id, assistant_id: "agent" })).run;
    const second = expectOk(await alice.call("RunService", "CreateRun", { thread_id: thread.thread_id, assistant_id: "agent", multitask_strategy: "enqueue" })).run;
    expect(expectOk(await alice.call("RunService", "GetRun", { thread_id: thread.thread_id, run_id: first.run_id })).run.run_id).toBe(first.run_id);
    expect(expectOk(await alice.call("RunService", "ListRuns", { thread_id: thread.thread_id })).runs).toHaveLength(2);
    expectOk(await alice.call("RunService", "CancelRun", { thread_id: thread.thread_id, run_id: first.run_id }));
    expectOk(await alice.call("RunService", "DeleteRun", { thread_id: thread.thread_id, run_id: second.run_id }));
    expect(expectOk(await alice.call("RunService", "ListRuns", { thread_id: thread.thread_id })).runs).toHaveLength(1);
  });

  it("puts, reads, searches, lists and deletes items", async () => {
    const namespace = ["notes", randomUUID()];
    expectOk(await alice.call("ItemService", "PutItem", { namespace, key: "plan", value: toStruct({ text: "ship it" }) }));
    const { item } = expectOk(await alice.call("ItemService", "GetItem", { namespace, key: "plan" }));
    expect(fromStruct(item.value)).toMatchObject({ text: "ship it" });
    expect(expectOk(await alice.call("ItemService", "SearchItems", { namespace_prefix: namespace })).items).toHaveLength(1);
    expect(expectOk(await alice.call("ItemService", "ListNamespaces", { prefix: namespace })).namespaces).toHaveLength(1);
    expectOk(await alice.call("ItemService", "DeleteItem", { namespace, key: "plan" }));
    expect(expectOk(await alice.call("ItemService", "SearchItems", { namespace_prefix: namespace })).items).toEqual([]);
  });

  it("creates, reads, updates, searches, counts and deletes crons", async () => {
    const { thread } = expectOk(await alice.call("ThreadService", "CreateThread", {}));
    const { cron } = expectOk(await alice.call("CronService", "CreateCron", { thread_id: thread.thread_id, assistant_id: "agent", schedule: "*/5 * * * *" }));
    expect(expectOk(await alice.call("CronService", "GetCron", { cron_id: cron.cron_id })).cron.cron_id).toBe(cron.cron_id);
    expect(expectOk(await alice.call("CronService", "UpdateCron", { cron_id: cron.cron_id, schedule: "0 0 1 1 *" })).cron.schedule).toBe("0 0 1 1 *");
    expect(expectOk(await alice.call("CronService", "SearchCrons", { thread_id: thread.thread_id })).crons).toHaveLength(1);
    expect(expectOk(await bob.call("CronService", "CountCrons", {})).count).toBe("0");
    expectOk(await alice.call("CronService", "DeleteCron", { cron_id: cron.cron_id }));
    expect(expectError(await alice.call("CronService", "GetCron", { cron_id: cron.cron_id })).code).toBe(grpc.status.NOT_FOUND);
  });

  it("serves many concurrent callers through three server connections, every statement answering", async () => {
    const tag = randomUUID();
    const rounds = await Promise.all(
      Array.from({ length: 40 }, async (_, n) => {
        const caller = n % 2 === 0 ? alice : bob;
        const { thread } = expectOk(await caller.call("ThreadService", "CreateThread", { metadata: toStruct({ tag, n }) }));
        expectOk(await caller.call("ThreadService", "UpdateThread", { thread_id: thread.thread_id, metadata: toStruct({ seen: true }) }));
        expectOk(await caller.call("RunService", "CreateRun", { thread_id: thread.thread_id, assistant_id: "agent", multitask_strategy: "enqueue" }));
        expectOk(await caller.call("ItemService", "PutItem", { namespace: ["load", tag], key: String(n), value: toStruct({ n }) }));
        return expectOk(await caller.call("ThreadService", "SearchThreads", { metadata: toStruct({ tag }), limit: 100 })).threads.length;
      }),
    );
    expect(rounds.every((count) => count >= 1 && count <= 20)).toBe(true);
    expect(expectOk(await alice.call("ThreadService", "CountThreads", { metadata: toStruct({ tag }) })).count).toBe("20");
    expect(expectOk(await bob.call("ThreadService", "CountThreads", { metadata: toStruct({ tag }) })).count).toBe("20");
  });

  it("names no prepared statement on its way through PgBouncer (DATABASE_PREPARED_STATEMENTS=false)", () => {
    // Named statements fail here as `prepared statement "gh_…" does not exist` (or `already exists`).
    const failures = storeLog.filter((line) => /prepared statement/i.test(line));
    expect(failures, "the store named prepared statements through PgBouncer: DATABASE_PREPARED_STATEMENTS=false is not in effect").toEqual([]);
  });
});
