import * as grpc from "@grpc/grpc-js";
import { Code, ConnectError } from "@connectrpc/connect";
import { AuthzService } from "@gatehouse/contracts";
import { errorInfoOf } from "@gatehouse/errors";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { registerService } from "./grpc-server.js";
import { messageSlackBytes, serverOptionsFor, type ServerLimits } from "./listen.js";
import { authzClientOn } from "./testing/authz-client-on.js";

const limits: ServerLimits = { maxMessageBytes: 4096, maxMetadataBytes: 4096, maxConcurrentStreams: 100 };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A real grpc-js server with the services' limits, whose handlers count the calls that reach them. */
async function serve() {
  const reached = { unary: 0, streaming: 0 };
  const server = new grpc.Server(serverOptionsFor(limits));
  registerService(
    server,
    AuthzService,
    {
      authorize: () => (reached.unary++, {}),
      async *authorizeBatch() {
        reached.streaming++;
        yield { index: 0 };
      },
    },
    { logger: pino({ level: "silent" }), maxMessageBytes: limits.maxMessageBytes },
  );
  const client = await authzClientOn(server, cleanups);
  return { client, reached };
}

/** An Authorize request of about `bytes` bytes on the wire. */
const requestOf = (bytes: number) => ({ resource: "threads", action: "read", value: { note: "x".repeat(bytes) } });

async function failure(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("expected the call to fail");
}

describe("errors for the size limits carry an ErrorInfo", () => {
  it("answers a request message over the limit with RESOURCE_EXHAUSTED, MESSAGE_TOO_LARGE and the limit, before the handler runs", async () => {
    const { client, reached } = await serve();
    await client.authorize(requestOf(3_000));
    expect(reached.unary).toBe(1);
    const error = await failure(client.authorize(requestOf(8_000)));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toMatch(/^request message is \d+ bytes; the limit is 4096$/);
    expect(errorInfoOf(error)).toMatchObject({ reason: "MESSAGE_TOO_LARGE", domain: "gatehouse", metadata: { limit_bytes: "4096" } });
    expect(reached.unary).toBe(1);
  });

  it("answers the same for a server-streaming method", async () => {
    const { client, reached } = await serve();
    const error = await failure(
      (async () => {
        for await (const _ of client.authorizeBatch({ requests: [requestOf(8_000)] })) continue;
      })(),
    );
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(errorInfoOf(error)?.reason).toBe("MESSAGE_TOO_LARGE");
    expect(reached.streaming).toBe(0);
  });

  it("answers request metadata over the limit with RESOURCE_EXHAUSTED, METADATA_TOO_LARGE and the limit", async () => {
    const { client, reached } = await serve();
    const error = await failure(client.authorize(requestOf(10), { headers: { authorization: `Bearer ${"t".repeat(6_000)}` } }));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toMatch(/^request metadata is \d+ bytes; the limit is 4096$/);
    expect(errorInfoOf(error)).toMatchObject({ reason: "METADATA_TOO_LARGE", domain: "gatehouse", metadata: { limit_bytes: "4096" } });
    expect(reached.unary).toBe(0);
  });

  it("leaves a message past the limit plus the slack to grpc-js, which refuses it from its length prefix without an ErrorInfo", async () => {
    const { client, reached } = await serve();
    const error = await failure(client.authorize(requestOf(limits.maxMessageBytes + messageSlackBytes + 1)));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toMatch(/larger than max/);
    expect(errorInfoOf(error)).toBeUndefined();
    expect(reached.unary).toBe(0);
  });

  it("cannot answer a 1 MB credential cleanly: Node's HTTP/2 layer resets the stream, which a grpc-js client reports as INTERNAL", async () => {
    const { client, reached } = await serve();
    const huge = await failure(client.authorize(requestOf(10), { headers: { authorization: `Bearer ${"t".repeat(1024 * 1024)}` } }));
    expect(huge.code).toBe(Code.Internal);
    expect(huge.rawMessage).toBe("Received RST_STREAM with code 9");
    expect(errorInfoOf(huge)).toBeUndefined();
    expect(reached.unary).toBe(0);
    // The client goes on: its next call is answered.
    await client.authorize(requestOf(10));
    expect(reached.unary).toBe(1);
  });
});
