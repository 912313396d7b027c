import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { WorkerService } from "@gatehouse/contracts";
import { errorInfoOf } from "@gatehouse/errors";
import {
  createGrpcTransport,
  createLogger,
  generateCertificates,
  internalChannelCredentials,
  internalServerSecurityFromEnv,
  writeCertificates,
  type ClosableTransport,
  type GrpcServiceServer,
} from "@gatehouse/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openCheckpointer } from "./checkpointer.js";
import { testGraphs } from "./testing/graphs.js";
import { startTestWorker } from "./testing/test-worker.js";
import { createWorkerTestDatabase, eventually, insertRun, insertThread, runRow, threadRow, type WorkerTestDatabase } from "./testing/worker-database.js";
import { startWorkerServer } from "./server.js";
import type { Worker } from "./worker.js";

const serverUrl = process.env.DATABASE_URL;

describe.skipIf(!serverUrl)("WorkerService over mutual TLS", () => {
  let database: WorkerTestDatabase;
  let worker: Worker;
  let server: GrpcServiceServer;
  let certsDir: string;
  const transports: ClosableTransport[] = [];
  let store: Client<typeof WorkerService>;
  let threadId: string;

  const clientAs = async (service: string): Promise<Client<typeof WorkerService>> => {
    const pem = (await generateCertificatesOnce()).services[service]!;
    const transport = createGrpcTransport({
      target: `localhost:${server.port}`,
      defaultTimeoutMs: 10_000,
      credentials: internalChannelCredentials({ ca: Buffer.from(certs!.ca.cert), cert: Buffer.from(pem.cert), key: Buffer.from(pem.key) }),
    });
    transports.push(transport);
    return createClient(WorkerService, transport);
  };
  let certs: Awaited<ReturnType<typeof generateCertificates>> | undefined;
  const generateCertificatesOnce = async () => (certs ??= await generateCertificates({ services: ["store", "gateway", "worker"] }));

  beforeAll(async () => {
    database = await createWorkerTestDatabase(serverUrl!);
    const checkpointer = await openCheckpointer(database.pool);
    const graphs = testGraphs(database.pool, checkpointer);
    worker = await startTestWorker(database.pool, graphs);
    certsDir = await mkdtemp(join(tmpdir(), "gatehouse-worker-certs-"));
    await writeCertificates(certsDir, await generateCertificatesOnce());
    const security = internalServerSecurityFromEnv(undefined, {
      GATEHOUSE_TLS_CA: join(certsDir, "ca.pem"),
      GATEHOUSE_TLS_CERT: join(certsDir, "worker.pem"),
      GATEHOUSE_TLS_KEY: join(certsDir, "worker-key.pem"),
    });
    server = await startWorkerServer({ graphs, writeThread: worker.queue.writeThread, db: database.pool }, {
      host: "127.0.0.1",
      port: 0,
      logger: createLogger("worker-service-test"),
      security,
    });
    store = await clientAs("store");

    threadId = await insertThread(database.pool);
    const runId = await insertRun(database.pool, threadId, "approval", { input: {} });
    await eventually(async () => ((await runRow(database.pool, runId))?.status === "success" ? true : undefined), 20_000, "the run");
  });

  afterAll(async () => {
    for (const transport of transports) transport.close();
    await server?.stop(0);
    await worker?.loop.stop(0);
    await database?.drop();
    if (certsDir) await rm(certsDir, { recursive: true, force: true });
  });

  it("answers the thread's state as LangGraph's ThreadState, stopped at the interrupt", async () => {
    const { state } = await store.getThreadState({ graphId: "approval", threadId });
    expect(state).toMatchObject({
      values: { steps: ["draft"] },
      next: ["review"],
      checkpoint: { thread_id: threadId, checkpoint_ns: "", checkpoint_id: expect.any(String) },
      parent_checkpoint: { thread_id: threadId },
      metadata: { source: "loop", step: 1, graph_id: "approval" },
      created_at: expect.any(String),
      interrupts: [expect.objectContaining({ value: { question: "approve the draft?" } })],
    });
    expect((state!.tasks as Array<Record<string, unknown>>)[0]).toMatchObject({ name: "review", error: null });
  });

  it("reads an older checkpoint, and pages the history newest first with before and a metadata filter", async () => {
    const { states } = await store.getThreadHistory({ graphId: "approval", threadId, limit: 2 });
    expect(states).toHaveLength(2);
    const [latest, older] = states as Array<{ checkpoint: { checkpoint_id: string }; metadata: { step: number } }>;
    expect(latest!.metadata.step).toBeGreaterThan(older!.metadata.step);
    const { states: rest } = await store.getThreadHistory({ graphId: "approval", threadId, limit: 10, before: { checkpointId: older!.checkpoint.checkpoint_id } });
    expect((rest as Array<{ metadata: { step: number } }>).map((state) => state.metadata.step)).toEqual([-1]);
    const { states: inputs } = await store.getThreadHistory({ graphId: "approval", threadId, filter: { source: "input" } });
    expect(inputs).toHaveLength(1);
    const { state } = await store.getThreadState({ graphId: "approval", threadId, checkpoint: { checkpointId: older!.checkpoint.checkpoint_id } });
    expect(state).toMatchObject({ next: ["draft"], checkpoint: { checkpoint_id: older!.checkpoint.checkpoint_id } });
  });

  it("updates the state as a node and keeps the thread row current", async () => {
    const other = await insertThread(database.pool);
    const { checkpoint } = await store.updateThreadState({ graphId: "approval", threadId: other, values: fromJson(ValueSchema, { steps: ["draft"] }), asNode: "draft" });
    expect(checkpoint).toMatchObject({ threadId: other, checkpointNs: "", checkpointId: expect.any(String) });
    const { state } = await store.getThreadState({ graphId: "approval", threadId: other });
    expect(state).toMatchObject({ values: { steps: ["draft"] }, next: ["review"] });
    expect(await threadRow(database.pool, other)).toMatchObject({ status: "interrupted", values: { steps: ["draft"] } });
  });

  it("refuses an update as a node the graph does not have, naming the field", async () => {
    const error = await store.updateThreadState({ graphId: "approval", threadId, values: fromJson(ValueSchema, {}), asNode: "nowhere" }).catch((e: unknown) => ConnectError.from(e));
    expect(error).toMatchObject({ code: Code.InvalidArgument });
    expect(errorInfoOf(error as ConnectError)?.metadata).toEqual({ field: "as_node" });
  });

  it("copies a thread's checkpoints to another thread, and a repeat changes nothing", async () => {
    const copy = await insertThread(database.pool);
    await store.copyThreadState({ fromThreadId: threadId, toThreadId: copy });
    await store.copyThreadState({ fromThreadId: threadId, toThreadId: copy });
    const { state } = await store.getThreadState({ graphId: "approval", threadId: copy });
    expect(state).toMatchObject({ values: { steps: ["draft"] }, next: ["review"], checkpoint: { thread_id: copy } });
    const [source, copied] = await Promise.all([threadId, copy].map((id) => store.getThreadHistory({ graphId: "approval", threadId: id, limit: 100 })));
    expect(copied!.states.map((s) => (s as { checkpoint: { checkpoint_id: string } }).checkpoint.checkpoint_id)).toEqual(
      source!.states.map((s) => (s as { checkpoint: { checkpoint_id: string } }).checkpoint.checkpoint_id),
    );
  });

  it("prunes a thread to its latest checkpoint, which still reads whole, or deletes them all", async () => {
    const copy = await insertThread(database.pool);
    await store.copyThreadState({ fromThreadId: threadId, toThreadId: copy });
    const { state: before } = await store.getThreadState({ graphId: "approval", threadId: copy });
    await store.pruneThreadState({ threadIds: [copy], keepLatest: true });
    const { states } = await store.getThreadHistory({ graphId: "approval", threadId: copy, limit: 100 });
    expect(states).toHaveLength(1);
    const { state: after } = await store.getThreadState({ graphId: "approval", threadId: copy });
    expect(after).toEqual(before);
    // The source is untouched.
    expect((await store.getThreadHistory({ graphId: "approval", threadId, limit: 100 })).states.length).toBeGreaterThan(1);
    await store.pruneThreadState({ threadIds: [copy] });
    const { state: gone } = await store.getThreadState({ graphId: "approval", threadId: copy });
    expect(gone).toMatchObject({ values: {}, next: [], checkpoint: null });
  });

  it("draws the graph's nodes and edges, with or without xray", async () => {
    const { graph } = await store.getGraph({ graphId: "approval" });
    const ids = (graph!.nodes as Array<{ id: string }>).map((node) => node.id);
    expect(ids).toEqual(expect.arrayContaining(["__start__", "draft", "review", "__end__"]));
    expect(graph!.edges).toEqual(expect.arrayContaining([expect.objectContaining({ source: "draft", target: "review" })]));
    const { graph: flat } = await store.getGraph({ graphId: "nested" });
    const { graph: xray } = await store.getGraph({ graphId: "nested", xray: -1 });
    const nodeIds = (drawn: typeof flat) => (drawn!.nodes as Array<{ id: string }>).map((node) => node.id);
    expect(nodeIds(flat)).toContain("child");
    // xray is passed to LangGraph.js's getGraphAsync; 1.7 draws a subgraph added as a node collapsed either way.
    expect(nodeIds(xray)).toEqual(expect.arrayContaining(nodeIds(flat)));
  });

  it("answers schemas and subgraphs", async () => {
    const { schemas } = await store.getSchemas({ graphId: "approval" });
    expect(schemas).toMatchObject({ graph_id: "approval", state_schema: { type: "object", properties: { steps: {}, answer: {} } } });
    const { subgraphs } = await store.getSubgraphs({ graphId: "nested" });
    expect(Object.keys(subgraphs!)).toEqual(["child"]);
    expect(await store.getSubgraphs({ graphId: "approval" })).toMatchObject({ subgraphs: {} });
  });

  it("answers NOT_FOUND for an unknown graph and INVALID_ARGUMENT for a bad thread id", async () => {
    const missing = await store.getThreadState({ graphId: "nope", threadId }).catch((e: unknown) => ConnectError.from(e));
    expect(missing).toMatchObject({ code: Code.NotFound });
    expect(errorInfoOf(missing as ConnectError)?.reason).toBe("GRAPH_NOT_FOUND");
    const bad = await store.getThreadState({ graphId: "approval", threadId: "x" }).catch((e: unknown) => ConnectError.from(e));
    expect(bad).toMatchObject({ code: Code.InvalidArgument, rawMessage: "thread_id: must be a UUID" });
  });

  it("answers only the store: another service's certificate is refused", async () => {
    const gateway = await clientAs("gateway");
    const refused = await gateway.getGraph({ graphId: "approval" }).catch((e: unknown) => ConnectError.from(e));
    expect(refused).toMatchObject({ code: Code.PermissionDenied });
  });
});
