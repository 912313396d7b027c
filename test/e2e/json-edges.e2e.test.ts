/**
 * JSON fields at their edges, over real sockets: numbers protobuf carries
 * but JSON cannot (NaN, Infinity), documents nested past the depth limit,
 * and "__proto__" keys. Each is refused with INVALID_ARGUMENT (store) or 422
 * (gateway) naming the field, before anything is authorized or written.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, expectOk, grpc, storeClient, toStruct, toValue, type StoreClient } from "../support/proto-client.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

let gatehouse: TestGatehouse;
let alice: StoreClient;

beforeAll(async () => {
  gatehouse = await startTestGatehouse(fromRoot("gatehouse.json"), {}, undefined, { gateway: true });
  alice = storeClient(gatehouse.storeAddress, { authorization: "Bearer user1-token" });
});
afterAll(async () => {
  alice?.close();
  await gatehouse?.stop();
});

/** `{a: {a: … 1}}` with `levels` objects, the outermost included. */
function nested(levels: number): Record<string, any> {
  let value: any = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

/** proto-loader's Value for a number, which may be NaN or infinite. */
const number = (value: number) => ({ numberValue: value });

describe("the store refuses numbers JSON cannot hold", () => {
  it("answers INVALID_ARGUMENT naming metadata.a.b for a NaN in a new thread's metadata, and writes nothing", async () => {
    const threadId = randomUUID();
    const metadata = { fields: { a: { structValue: { fields: { b: number(Number.NaN) } } } } };
    const error = expectError(await alice.call("ThreadService", "CreateThread", { thread_id: threadId, metadata }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toBe("metadata.a.b: NaN is not a JSON number");
    expect(expectError(await alice.call("ThreadService", "GetThread", { thread_id: threadId })).code).toBe(grpc.status.NOT_FOUND);
  });

  it("refuses a NaN search rather than matching stored nulls", async () => {
    expectOk(await alice.call("ThreadService", "CreateThread", { metadata: toStruct({ score: null }) }));
    const error = expectError(await alice.call("ThreadService", "SearchThreads", { metadata: { fields: { score: number(Number.NaN) } } }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toBe("metadata.score: NaN is not a JSON number");
  });

  it("refuses Infinity in an item value, an item search filter and a run's input", async () => {
    const put = expectError(
      await alice.call("ItemService", "PutItem", { namespace: ["user1"], key: "k", value: { fields: { n: number(-Infinity) } } }),
    );
    expect([put.code, put.details]).toEqual([grpc.status.INVALID_ARGUMENT, "value.n: -Infinity is not a JSON number"]);
    const search = expectError(await alice.call("ItemService", "SearchItems", { namespace_prefix: ["user1"], filter: { fields: { n: number(Infinity) } } }));
    expect([search.code, search.details]).toEqual([grpc.status.INVALID_ARGUMENT, "filter.n: Infinity is not a JSON number"]);
    const input = { listValue: { values: [toValue("hi"), number(Number.NaN)] } };
    const run = expectError(await alice.call("RunService", "CreateRun", { thread_id: randomUUID(), assistant_id: randomUUID(), input }));
    expect([run.code, run.details]).toEqual([grpc.status.INVALID_ARGUMENT, "input[1]: NaN is not a JSON number"]);
  });
});

describe("the store's JSON depth limit", () => {
  it("accepts metadata 32 levels deep", async () => {
    expectOk(await alice.call("ThreadService", "CreateThread", { metadata: toStruct(nested(32)) }));
  });

  // proto-loader itself refuses to encode much deeper messages.
  it.each([33, 48, 49])("answers INVALID_ARGUMENT naming the field for metadata %i levels deep", async (levels) => {
    const error = expectError(await alice.call("ThreadService", "CreateThread", { metadata: toStruct(nested(levels)) }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^metadata(\.a)+: nests deeper than 32 levels$/);
  });

  it("applies to every JSON field: an item value and an assistant's config", async () => {
    const put = expectError(await alice.call("ItemService", "PutItem", { namespace: ["user1"], key: "deep", value: toStruct(nested(40)) }));
    expect([put.code, put.details.split(":")[0]!.split(".")[0]]).toEqual([grpc.status.INVALID_ARGUMENT, "value"]);
    const assistant = expectError(await alice.call("AssistantService", "CreateAssistant", { graph_id: "agent", config: toStruct(nested(40)) }));
    expect([assistant.code, assistant.details.split(".")[0]]).toEqual([grpc.status.INVALID_ARGUMENT, "config"]);
  });
});

describe("the gateway", () => {
  const post = (path: string, body: string) =>
    fetch(`${gatehouse.gatewayUrl}${path}`, {
      method: "POST",
      headers: { authorization: "Bearer user1-token", "content-type": "application/json" },
      body,
    });

  it("answers 422 naming the field for a number JSON parsing made infinite", async () => {
    const response = await post("/threads", '{"metadata":{"a":{"b":1e999}}}');
    expect(response.status).toBe(422);
    expect(JSON.stringify(await response.json())).toContain("metadata.a.b: Infinity is not a JSON number");
  });

  it("answers 422 naming the field for metadata nested past the limit", async () => {
    const response = await post("/threads", JSON.stringify({ metadata: nested(49) }));
    expect(response.status).toBe(422);
    expect(JSON.stringify(await response.json())).toContain("nests deeper than 32 levels");
  });

  it("refuses a __proto__ key in metadata, naming it, rather than dropping it", async () => {
    const response = await post("/threads", '{"metadata":{"__proto__":{"owner":"user2"},"x":1}}');
    expect(response.status).toBe(422);
    expect(JSON.stringify(await response.json())).toContain('metadata.__proto__: the key \\"__proto__\\" is not allowed');
  });
});
