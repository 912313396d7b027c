import pg from "pg";
import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { Annotation, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { WorkerService } from "@gatehouse/contracts";
import { errorInfoOf } from "@gatehouse/errors";
import type { LoadedGraph } from "@gatehouse/graphs";
import { describe, expect, it } from "vitest";
import type { ThreadAfterRun } from "./run-queue.js";
import { createWorkerService } from "./worker-service.js";

const Steps = Annotation.Root({ steps: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }) });
const graph = new StateGraph(Steps)
  .addNode("first", async () => ({ steps: ["first"] }))
  .addNode("second", async () => ({ steps: ["second"] }))
  .addEdge(START, "first")
  .addEdge("first", "second")
  .addEdge("second", END)
  .compile({ checkpointer: new MemorySaver() });

function serve() {
  const written: Array<[string, ThreadAfterRun]> = [];
  const service = createWorkerService({
    graphs: new Map([["steps", graph as unknown as LoadedGraph]]),
    writeThread: async (threadId, thread) => void written.push([threadId, thread]),
    // Checkpoint copies and prunes go to Postgres: these tests never ask for one, so this pool never connects.
    db: new pg.Pool({ host: "127.0.0.1", port: 1 }),
  });
  const client = createClient(WorkerService, createRouterTransport(({ service: register }) => register(WorkerService, service)));
  return { client, written };
}

const threadId = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";

describe("WorkerService", () => {
  it("answers an empty state for a thread without checkpoints", async () => {
    const { client } = serve();
    const { state } = await client.getThreadState({ graphId: "steps", threadId: "2c4e28ba-2fa1-11d2-883f-0016d3cca427" });
    expect(state).toMatchObject({ values: {}, next: [], tasks: [], checkpoint: null, parent_checkpoint: null, interrupts: [] });
  });

  it("writes an update as a node, answers its checkpoint and tells the thread row", async () => {
    const { client, written } = serve();
    const { checkpoint } = await client.updateThreadState({ graphId: "steps", threadId, values: fromJson(ValueSchema, { steps: ["first"] }), asNode: "first" });
    expect(checkpoint).toMatchObject({ threadId, checkpointNs: "" });
    const { state } = await client.getThreadState({ graphId: "steps", threadId });
    expect(state).toMatchObject({ values: { steps: ["first"] }, next: ["second"], checkpoint: { checkpoint_id: checkpoint!.checkpointId } });
    expect(written).toEqual([[threadId, { status: "interrupted", valuesJson: '{"steps":["first"]}', interruptsJson: "{}" }]]);
  });

  it("names the field of a bad request, and answers NOT_FOUND for an unknown graph", async () => {
    const { client } = serve();
    const errorOf = (call: Promise<unknown>) => call.then(() => undefined, (error: unknown) => ConnectError.from(error));
    const cases = [
      [client.getThreadState({ graphId: "", threadId }), Code.InvalidArgument, "graph_id: is required"],
      [client.getThreadState({ graphId: "steps", threadId: "" }), Code.InvalidArgument, "thread_id: is required"],
      [client.getThreadHistory({ graphId: "steps", threadId, limit: 1001 }), Code.InvalidArgument, "limit: must be between 1 and 1000"],
      [client.getSchemas({ graphId: "other" }), Code.NotFound, "graph not found"],
    ] as const;
    for (const [call, code, message] of cases) {
      const error = await errorOf(call);
      expect(error).toMatchObject({ code, rawMessage: message });
    }
    expect(errorInfoOf((await errorOf(client.getGraph({ graphId: "other" })))!)).toMatchObject({ reason: "GRAPH_NOT_FOUND", metadata: { graph_id: "other" } });
  });

  it("answers the graph's schemas from its state keys", async () => {
    const { client } = serve();
    const { schemas } = await client.getSchemas({ graphId: "steps" });
    expect(schemas).toMatchObject({ graph_id: "steps", state_schema: { type: "object", properties: { steps: {} } }, input_schema: { properties: { steps: {} } } });
  });
});
