import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { listen, messageSlackBytes, serverLimitsFromEnv, serverOptionsFor, shutdown, type ServerLimits } from "./listen.js";

const bytes = (value: Buffer) => value;
const echo = {
  Echo: {
    path: "/test.Echo/Echo",
    requestStream: false,
    responseStream: false,
    requestSerialize: bytes,
    requestDeserialize: bytes,
    responseSerialize: bytes,
    responseDeserialize: bytes,
  },
} satisfies grpc.ServiceDefinition;

interface Started {
  call(message: Buffer, metadata?: Record<string, string>): Promise<{ code: number; details: string }>;
  /** The most calls the handler has had in flight at once. */
  peak(): number;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function start(limits: ServerLimits, handlerDelayMs = 0): Promise<Started> {
  const server = new grpc.Server(serverOptionsFor(limits));
  let active = 0;
  let peak = 0;
  server.addService(echo, {
    Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      peak = Math.max(peak, ++active);
      setTimeout(() => {
        active -= 1;
        callback(null, call.request);
      }, handlerDelayMs);
    },
  });
  const port = await listen(server, "127.0.0.1", 0);
  const client = new (grpc.makeGenericClientConstructor(echo, "Echo"))(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    "grpc.max_metadata_size": 1024 * 1024,
  });
  cleanups.push(async () => {
    client.close();
    await shutdown(server, 100);
  });
  const send = client.Echo!.bind(client) as unknown as (
    message: Buffer,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null) => void,
  ) => void;
  return {
    call: (message, headers = {}) =>
      new Promise((resolve) => {
        const metadata = new grpc.Metadata();
        for (const [name, value] of Object.entries(headers)) metadata.set(name, value);
        send(message, metadata, { deadline: Date.now() + 5_000 }, (error) =>
          resolve(error ? { code: error.code, details: error.details } : { code: grpc.status.OK, details: "" }),
        );
      }),
    peak: () => peak,
  };
}

const small: ServerLimits = { maxMessageBytes: 1024, maxMetadataBytes: 2048, maxConcurrentStreams: 100 };

describe("gRPC server limits on grpc-js", () => {
  it("lets grpc-js itself refuse only a request message past the limit plus its slack, which registerService answers below that", async () => {
    const server = await start(small);
    expect((await server.call(Buffer.alloc(1024 + messageSlackBytes))).code).toBe(grpc.status.OK);
    const over = await server.call(Buffer.alloc(1024 + messageSlackBytes + 1));
    expect(over.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(over.details).toMatch(/larger than max/);
  });

  it("answers request metadata over the limit with RESOURCE_EXHAUSTED naming both sizes", async () => {
    const server = await start(small);
    expect((await server.call(Buffer.alloc(1), { "x-small": "a".repeat(1000) })).code).toBe(grpc.status.OK);
    const over = await server.call(Buffer.alloc(1), { "x-large": "a".repeat(3000) });
    expect(over.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(over.details).toMatch(/request metadata is \d+ bytes; the limit is 2048/);
  });

  it("leaves a header field over 64 KiB once HPACK-encoded to Node's HTTP/2 layer, which resets the stream: clients see INTERNAL", async () => {
    const server = await start({ ...small, maxMetadataBytes: 64 * 1024 });
    const reset = await server.call(Buffer.alloc(1), { "x-huge": "~".repeat(70_000) });
    expect(reset.code).toBe(grpc.status.INTERNAL);
    expect(reset.details).toMatch(/RST_STREAM/);
  });

  it("runs at most maxConcurrentStreams calls of one connection at once; the client queues the rest", async () => {
    const server = await start({ ...small, maxConcurrentStreams: 2 }, 100);
    await server.call(Buffer.alloc(1));
    const results = await Promise.all(Array.from({ length: 6 }, () => server.call(Buffer.alloc(1))));
    expect(results.every((result) => result.code === grpc.status.OK)).toBe(true);
    expect(server.peak()).toBe(2);
  });
});

describe("serverLimitsFromEnv", () => {
  const names = ["GATEHOUSE_MAX_MESSAGE_BYTES", "GATEHOUSE_MAX_METADATA_BYTES", "GATEHOUSE_MAX_CONCURRENT_STREAMS"];
  afterEach(() => {
    for (const name of names) delete process.env[name];
  });

  it("reads each limit from its variable", () => {
    process.env.GATEHOUSE_MAX_MESSAGE_BYTES = "65536";
    process.env.GATEHOUSE_MAX_METADATA_BYTES = "8192";
    process.env.GATEHOUSE_MAX_CONCURRENT_STREAMS = "50";
    expect(serverLimitsFromEnv()).toEqual({ maxMessageBytes: 65536, maxMetadataBytes: 8192, maxConcurrentStreams: 50 });
  });

  it("refuses metadata limits Node's HTTP/2 layer would never let through", () => {
    process.env.GATEHOUSE_MAX_METADATA_BYTES = String(128 * 1024);
    expect(() => serverLimitsFromEnv()).toThrow(/GATEHOUSE_MAX_METADATA_BYTES must be an integer between 1024 and 65536/);
  });

  it("refuses zero concurrent streams", () => {
    process.env.GATEHOUSE_MAX_CONCURRENT_STREAMS = "0";
    expect(() => serverLimitsFromEnv()).toThrow(/GATEHOUSE_MAX_CONCURRENT_STREAMS/);
  });
});
