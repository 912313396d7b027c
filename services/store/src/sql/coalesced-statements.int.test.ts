/**
 * Requests coalesced into one statement (coalesced-statements.ts) on real
 * Postgres: each caller gets its own key's row and only through its own
 * filter, concurrent writes to one row all apply, and a statement that fails
 * leaves each request its own outcome.
 */
import { randomUUID } from "node:crypto";
import { createServer, type AddressInfo } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { parseFilter, type JsonObject } from "@gatehouse/filters";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createItemRepo, itemDocument } from "../repo/item-repo.js";
import { createThreadRepo, type ThreadRepo } from "../repo/thread-repo.js";
import { grantAccess } from "../testing/grant-access.js";
import { createMigratedDatabase, type MigratedDatabase } from "../testing/migrated-database.js";
import { byKey } from "./coalesced-statements.js";
import { openDatabase, type Database } from "./database.js";

const serverUrl = process.env.DATABASE_URL;

describe.skipIf(!serverUrl)("coalesced statements on real Postgres", () => {
  let database: MigratedDatabase;
  let db: Database;
  let threads: ThreadRepo;
  let statements = 0;

  beforeAll(async () => {
    database = await createMigratedDatabase(serverUrl!, "gatehouse_coalesced", 4);
    db = database.db;
    threads = createThreadRepo(db);
    const send = db.query.bind(db) as (...args: unknown[]) => unknown;
    (db as { query: unknown }).query = (...args: unknown[]) => {
      statements += 1;
      return send(...args);
    };
  });

  afterAll(async () => {
    await database?.drop();
  });

  const everything = () => grantAccess("threads", parseFilter({}));
  const ownedBy = (owner: string) => grantAccess("threads", parseFilter({ owner }));

  async function createOwned(owner: string): Promise<string> {
    const threadId = randomUUID();
    await threads.insert(threadId, await everything(), { owner });
    return threadId;
  }

  it("reads through one filter in the same turn share one statement, and each caller gets its own key's row", async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, () => createOwned("alice")));
    const alice = await ownedBy("alice");
    const missing = randomUUID();
    statements = 0;
    const rows = await Promise.all([...ids, missing].map((id) => threads.get(id, alice)));
    expect(statements).toBe(1);
    expect(rows.slice(0, 20).map((row) => row?.thread_id)).toEqual(ids);
    expect(rows[20]).toBeUndefined();
  });

  it("reads through different filters never share a statement: another owner's row answers as a missing one", async () => {
    const aliceThreads = await Promise.all(Array.from({ length: 5 }, () => createOwned("alice")));
    const bobThreads = await Promise.all(Array.from({ length: 5 }, () => createOwned("bob")));
    const [alice, bob] = await Promise.all([ownedBy("alice"), ownedBy("bob")]);
    statements = 0;
    const reads = [...aliceThreads, ...bobThreads].flatMap((threadId) => [threads.get(threadId, alice), threads.get(threadId, bob)]);
    const rows = await Promise.all(reads);
    // One statement for each owner's reads.
    expect(statements).toBe(2);
    const seen = (readerIndex: number) => rows.filter((_, index) => index % 2 === readerIndex).map((row) => row?.thread_id);
    expect(seen(0)).toEqual([...aliceThreads, ...bobThreads.map(() => undefined)]);
    expect(seen(1)).toEqual([...aliceThreads.map(() => undefined), ...bobThreads]);
  });

  it("the same key twice in one turn goes to two statements, so concurrent updates of one thread all apply", async () => {
    const threadId = await createOwned("alice");
    const alice = await ownedBy("alice");
    const updated = await Promise.all(Array.from({ length: 10 }, (_, index) => threads.mergeMetadata(threadId, alice, { [`k${index}`]: index })));
    expect(updated.every((row) => row?.thread_id === threadId)).toBe(true);
    const row = await threads.get(threadId, alice);
    for (let index = 0; index < 10; index += 1) expect(row?.metadata[`k${index}`]).toBe(index);
  });

  it("an update through a filter that hides the thread changes nothing, while the rows it may see beside it change", async () => {
    const [aliceThread, bobThread] = await Promise.all([createOwned("alice"), createOwned("bob")]);
    const alice = await ownedBy("alice");
    const [own, other] = await Promise.all([threads.mergeMetadata(aliceThread, alice, { seen: true }), threads.mergeMetadata(bobThread, alice, { seen: true })]);
    expect(own?.metadata.seen).toBe(true);
    expect(other).toBeUndefined();
    expect((await threads.get(bobThread, await everything()))?.metadata.seen).toBeUndefined();
  });

  it("concurrent creates of one id make one thread; the other create learns the id is taken", async () => {
    const threadId = randomUUID();
    const access = await everything();
    const created = await Promise.all([threads.insert(threadId, access, { n: 1 }), threads.insert(threadId, access, { n: 2 }), threads.insert(randomUUID(), access, {})]);
    expect(created.filter((row) => row?.thread_id === threadId)).toHaveLength(1);
    expect(created.filter((row) => row === undefined)).toHaveLength(1);
    expect(created[2]).toBeDefined();
  });

  it("values that need quoting inside a Postgres array literal arrive intact", async () => {
    const awkward = { text: 'a "quoted" \\ back\\slash, {braces}, NULL, ünïcode \u2028 and \n newline', nested: { list: ["x,y", "", null] } };
    const access = await everything();
    const [first, second] = await Promise.all([threads.insert(randomUUID(), access, awkward), threads.insert(randomUUID(), access, { plain: true })]);
    expect(first?.metadata).toEqual(awkward);
    expect(second?.metadata).toEqual({ plain: true });
    const [patched] = await Promise.all([threads.mergeMetadata(second!.thread_id, access, awkward), threads.mergeMetadata(first!.thread_id, access, { more: 1 })]);
    expect(patched?.metadata).toEqual({ plain: true, ...awkward });
  });

  it("item puts and reads through one filter share statements; each caller gets its own item, and an item the filter hides stays unread and unchanged", async () => {
    const items = createItemRepo(db);
    const alice = await grantAccess("store", parseFilter({ owner: "alice" }));
    const put = (namespace: string[], key: string, value: JsonObject) =>
      items.put(namespace, key, JSON.stringify(value), JSON.stringify(itemDocument(namespace, key, value)), alice);
    const namespaces = [["alice", "memories"], ["alice", "memories", "deep"], ["alice"]];
    statements = 0;
    const written = await Promise.all(namespaces.flatMap((namespace) => ["k1", "k2"].map((key) => put(namespace, key, { owner: "alice", key }))));
    expect(statements).toBe(1);
    expect(written.map((row) => row && [row.namespace, row.key])).toEqual(namespaces.flatMap((namespace) => ["k1", "k2"].map((key) => [namespace, key])));
    // Bob's item, written through a filter that admits it; alice's filter hides it from her.
    const bobItem = await items.put(["bob"], "k1", JSON.stringify({ owner: "bob" }), JSON.stringify(itemDocument(["bob"], "k1", { owner: "bob" })), await grantAccess("store", parseFilter({})));
    expect(bobItem).toBeDefined();
    statements = 0;
    const [own, deep, hidden, missing, overwrite] = await Promise.all([
      items.get(["alice", "memories"], "k1", alice),
      items.get(["alice", "memories", "deep"], "k2", alice),
      items.get(["bob"], "k1", alice),
      items.get(["alice", "memories"], "nothing", alice),
      put(["bob"], "k1", { owner: "alice" }),
    ]);
    expect(statements).toBe(2);
    expect(own?.value).toEqual({ owner: "alice", key: "k1" });
    expect(deep?.namespace).toEqual(["alice", "memories", "deep"]);
    expect(hidden).toBeUndefined();
    expect(missing).toBeUndefined();
    expect(overwrite).toBeUndefined();
    expect((await items.get(["bob"], "k1", await grantAccess("store", parseFilter({}))))?.value).toEqual({ owner: "bob" });
  });

  it("a statement that fails runs again for each request alone: the bad request fails, the others succeed", async () => {
    const statement = { text: "SELECT key::text, n::int FROM unnest($1::uuid[], $2::text[]) AS t(key, n)", shared: [], keyOf: (row: { key: string }) => row.key };
    const good = randomUUID();
    const other = randomUUID();
    const results = await Promise.allSettled([byKey<{ key: string; n: number }>(db, statement, good, [good, "1"]), byKey(db, statement, other, [other, "not a number"])]);
    expect(results[0]).toEqual({ status: "fulfilled", value: { key: good, n: 1 } });
    expect(results[1]?.status).toBe("rejected");
  });

  it("a malformed key fails its own request only", async () => {
    const threadId = await createOwned("alice");
    const alice = await ownedBy("alice");
    const results = await Promise.allSettled([threads.get(threadId, alice), threads.get("not-a-uuid", alice)]);
    expect(results[0]).toMatchObject({ status: "fulfilled", value: { thread_id: threadId } });
    expect(results[1]?.status).toBe("rejected");
  });
});

describe("coalesced statements when the database cannot be reached", () => {
  it("answer every request of the statement UNAVAILABLE at once, without trying each again alone", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const db = openDatabase(`postgres://postgres@127.0.0.1:${port}/none`, 4);
    let statements = 0;
    const send = db.query.bind(db) as (...args: unknown[]) => unknown;
    (db as { query: unknown }).query = (...args: unknown[]) => {
      statements += 1;
      return send(...args);
    };
    const threads = createThreadRepo(db);
    const access = await grantAccess("threads", parseFilter({}));
    const results = await Promise.allSettled([threads.get(randomUUID(), access), threads.get(randomUUID(), access), threads.get(randomUUID(), access)]);
    expect(statements).toBe(1);
    for (const result of results) {
      expect(result.status).toBe("rejected");
      expect(ConnectError.from((result as PromiseRejectedResult).reason).code).toBe(Code.Unavailable);
    }
    await db.end();
  });
});
