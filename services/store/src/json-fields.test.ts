import { create, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { Code, ConnectError, createClient, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { CreateThreadRequestSchema, ThreadService } from "@gatehouse/contracts";
import { createInProcessTransport, createLogger, decodeRequest } from "@gatehouse/server";
import { describe, expect, it } from "vitest";
import { withJsonChecks } from "./json-fields.js";

/** A ThreadService whose createThread records that it ran; the other methods are never called here. */
function recordingService() {
  const calls: unknown[] = [];
  const impl = new Proxy({} as ServiceImpl<typeof ThreadService>, {
    get: (_, name) => (request: unknown) => {
      calls.push([name, request]);
      return {};
    },
  });
  return { calls, service: withJsonChecks(ThreadService, impl) };
}

const context = {} as HandlerContext;

async function refusal(call: () => unknown): Promise<ConnectError> {
  try {
    await call();
  } catch (error) {
    if (error instanceof ConnectError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("withJsonChecks", () => {
  it("refuses a NaN before the service runs, naming the field", async () => {
    const { calls, service } = recordingService();
    const request = create(CreateThreadRequestSchema, { metadata: { a: { b: Number.NaN } } });
    const error = await refusal(() => service.createThread(request, context));
    expect([error.code, error.rawMessage]).toEqual([Code.InvalidArgument, "metadata.a.b: NaN is not a JSON number"]);
    expect(calls).toEqual([]);
  });

  it("refuses a __proto__ key that decoding dropped, naming it", async () => {
    const { calls, service } = recordingService();
    const value = new BinaryWriter().tag(3, WireType.LengthDelimited).string("x").finish();
    const metadata = new BinaryWriter().tag(1, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string("__proto__").tag(2, WireType.LengthDelimited).bytes(value).join().finish();
    const request = decodeRequest(CreateThreadRequestSchema, new BinaryWriter().tag(2, WireType.LengthDelimited).bytes(metadata).finish());
    const error = await refusal(() => service.createThread(request as never, context));
    expect([error.code, error.rawMessage]).toEqual([Code.InvalidArgument, 'metadata.__proto__: the key "__proto__" is not allowed']);
    expect(calls).toEqual([]);
  });

  it("refuses a __proto__ key that a copy kept, as the gateway's requests reach the store in process", async () => {
    const { calls, service } = recordingService();
    const client = createClient(ThreadService, createInProcessTransport([{ service: ThreadService, impl: service }], { logger: createLogger("test", "silent"), requests: "copy" }));
    // JSON.parse makes "__proto__" an own key, as in a body the gateway parsed.
    const metadata = JSON.parse('{"a": {"__proto__": {"admin": true}}}') as Record<string, never>;
    const error = await refusal(() => client.createThread({ metadata }));
    expect([error.code, error.rawMessage]).toEqual([Code.InvalidArgument, 'metadata.a.__proto__: the key "__proto__" is not allowed']);
    expect(calls).toEqual([]);
  });

  it("lets ordinary JSON through to the service", async () => {
    const { calls, service } = recordingService();
    const bytes = toBinary(CreateThreadRequestSchema, create(CreateThreadRequestSchema, { metadata: { a: [1, "b", null] } }));
    await service.createThread(decodeRequest(CreateThreadRequestSchema, bytes) as never, context);
    expect(calls).toHaveLength(1);
  });
});
