/**
 * Server reflection as a dynamic client uses it, with none of Gatehouse's
 * .proto files: fetch the descriptors through reflection, rebuild them in a
 * protobuf-es registry, and call the store with what the registry describes.
 */
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { create, createFileRegistry, fromBinary, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectOk, storeClient } from "../support/proto-client.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

// Only the reflection protocol's own definition, which every reflection client carries.
const reflectionProtoDir = resolve(dirname(createRequire(import.meta.url).resolve("@grpc/reflection")), "../proto");

type ReflectionResponse = {
  message_response: string;
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  list_services_response?: { service: { name: string }[] };
  error_response?: { error_code: number; error_message: string };
};

function reflectionClient(address: string, version: "v1" | "v1alpha") {
  const definition = protoLoader.loadSync(`grpc/reflection/${version}/reflection.proto`, { includeDirs: [reflectionProtoDir], keepCase: true, oneofs: true });
  const loaded = grpc.loadPackageDefinition(definition) as any;
  const Client = loaded.grpc.reflection[version].ServerReflection as grpc.ServiceClientConstructor;
  const client = new Client(address, grpc.credentials.createInsecure()) as any;
  /** Asks each question on one stream and resolves the answers in order. */
  const ask = (requests: object[]): Promise<ReflectionResponse[]> =>
    new Promise((done, fail) => {
      const answers: ReflectionResponse[] = [];
      const call = client.ServerReflectionInfo();
      call.on("data", (answer: ReflectionResponse) => answers.push(answer));
      call.on("error", fail);
      call.on("end", () => done(answers));
      for (const request of requests) call.write(request);
      call.end();
    });
  return { ask, close: () => client.close() };
}

const filesOf = (answer: ReflectionResponse): FileDescriptorProto[] =>
  (answer.file_descriptor_response?.file_descriptor_proto ?? []).map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));

let gatehouse: TestGatehouse;
beforeAll(async () => {
  gatehouse = await startTestGatehouse(fromRoot("gatehouse.json"));
});
afterAll(async () => gatehouse?.stop());

describe("server reflection", () => {
  it("lists the store's services", async () => {
    const client = reflectionClient(gatehouse.storeAddress, "v1");
    const [answer] = await client.ask([{ list_services: "" }]);
    client.close();
    const names = answer!.list_services_response!.service.map(({ name }) => name);
    expect(names).toEqual(expect.arrayContaining(["gatehouse.store.v1.ThreadService", "gatehouse.store.v1.ItemService", "gatehouse.store.v1.CallerService", "grpc.reflection.v1.ServerReflection"]));
  });

  it.each(["v1", "v1alpha"] as const)("answers file_by_filename for a real path with the real file and its imports (%s)", async (version) => {
    const client = reflectionClient(gatehouse.storeAddress, version);
    const [answer, missing] = await client.ask([{ file_by_filename: "gatehouse/store/v1/thread_service.proto" }, { file_by_filename: "gatehouse_store_v1.proto" }]);
    client.close();
    const files = filesOf(answer!);
    const file = files.find((each) => each.name === "gatehouse/store/v1/thread_service.proto")!;
    expect(file.package).toBe("gatehouse.store.v1");
    expect(file.dependency).toEqual(expect.arrayContaining(["gatehouse/store/v1/thread.proto", "google/protobuf/struct.proto"]));
    // Every import comes with it, before the file that imports it, so a descriptor pool can be built from this one answer.
    const seen = new Set<string>();
    for (const each of files) {
      for (const dependency of each.dependency) expect(seen).toContain(dependency);
      seen.add(each.name);
    }
    expect(missing!.error_response).toMatchObject({ error_code: grpc.status.NOT_FOUND });
  });

  it("is enough for a client without .proto files to call GetThread and decode the answer", async () => {
    const alice = storeClient(gatehouse.storeAddress, { authorization: "Bearer user1-token" });
    const { thread } = expectOk(await alice.call("ThreadService", "CreateThread", {}));
    alice.close();

    const client = reflectionClient(gatehouse.storeAddress, "v1");
    const [answer] = await client.ask([{ file_containing_symbol: "gatehouse.store.v1.ThreadService" }]);
    client.close();
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: filesOf(answer!) }));
    const service = registry.getService("gatehouse.store.v1.ThreadService")!;
    const method = service.methods.find((each) => each.name === "GetThread")!;

    const channel = new grpc.Client(gatehouse.storeAddress, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    metadata.set("authorization", "Bearer user1-token");
    const serialize = (schema: DescMessage) => (value: Record<string, unknown>) => Buffer.from(toBinary(schema, create(schema, value)));
    const response = await new Promise<any>((done, fail) =>
      channel.makeUnaryRequest(
        `/${service.typeName}/${method.name}`,
        serialize(method.input),
        (bytes: Buffer) => fromBinary(method.output, bytes),
        { threadId: thread.thread_id },
        metadata,
        (error, value) => (error ? fail(error) : done(value)),
      ),
    );
    channel.close();
    expect(response.thread.threadId).toBe(thread.thread_id);
    expect(response.thread.metadata).toEqual({ owner: "user1" });
  });
});
