import { setTimeout as sleep } from "node:timers/promises";
import { Writable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { AuthzService, type AuthorizeBatchRequest } from "@gatehouse/contracts";
import { ErrorReason, errorInfoOf, gatehouseError } from "@gatehouse/errors";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { registerService } from "./grpc-server.js";
import { createMetrics } from "./metrics.js";
import { authzClientOn } from "./testing/authz-client-on.js";

// AuthorizeBatch is the contract's server-streaming method; these tests use it as a carrier of numbered messages.
type Stream = (request: AuthorizeBatchRequest, context: HandlerContext) => AsyncIterable<{ index: number; result?: { result: { case: "error"; value: { code: number; message: string } } } }>;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function serve(authorizeBatch: Stream) {
  const logged: string[] = [];
  const logger = pino({ level: "error" }, new Writable({ write: (chunk, _encoding, done) => (logged.push(String(chunk)), done()) }));
  const metrics = createMetrics("streaming-test");
  const server = new grpc.Server();
  registerService(server, AuthzService, { authorize: () => ({}), authorizeBatch } as never, { logger, metrics });
  const client = await authzClientOn(server, cleanups);
  const counted = async (code: string) =>
    (await metrics.rpcs.get()).values.find((value) => value.labels.code === code && value.labels.method === "/gatehouse.authz.v1.AuthzService/AuthorizeBatch")?.value ?? 0;
  return { client, logged, counted };
}

const numbered = (index: number, text = "") => ({ index, result: { result: { case: "error" as const, value: { code: 0, message: text } } } });

describe("server-streaming methods on grpc-js", () => {
  it("sends every message the generator yields, in order, and ends with OK", async () => {
    const { client, counted } = await serve(async function* () {
      for (let index = 0; index < 2_000; index++) yield numbered(index);
    });
    const received: number[] = [];
    for await (const response of client.authorizeBatch({})) received.push(response.index);
    expect(received).toEqual(Array.from({ length: 2_000 }, (_, index) => index));
    await expect.poll(() => counted("OK")).toBe(1);
  });

  it("stops pulling from the generator while the client does not read", async () => {
    const total = 400;
    let produced = 0;
    const { client } = await serve(async function* () {
      for (let index = 0; index < total; index++) {
        produced++;
        yield numbered(index, "x".repeat(64 * 1024));
      }
    });
    const received: number[] = [];
    for await (const response of client.authorizeBatch({})) {
      received.push(response.index);
      // The first message read, the client stalls: the server must stop once the transport's buffers are full.
      if (received.length === 1) {
        await sleep(500);
        expect(produced).toBeLessThan(total / 2);
      }
    }
    expect(received).toHaveLength(total);
    expect(produced).toBe(total);
  });

  it("aborts the handler's signal and ends the generator when the client cancels", async () => {
    let finished = false;
    let signal: AbortSignal | undefined;
    const { client, counted } = await serve(async function* (_request, context) {
      signal = context.signal;
      try {
        for (let index = 0; ; index++) {
          yield numbered(index);
          await sleep(5);
        }
      } finally {
        finished = true;
      }
    });
    // Connect's clients cancel a stream through their signal (breaking out of the loop does not reach the transport).
    const cancel = new AbortController();
    let received = 0;
    await expect(
      (async () => {
        for await (const _ of client.authorizeBatch({}, { signal: cancel.signal })) {
          if (++received === 5) cancel.abort();
        }
      })(),
    ).rejects.toMatchObject({ code: Code.Canceled });
    await expect.poll(() => finished, { timeout: 2_000 }).toBe(true);
    expect(signal?.aborted).toBe(true);
    await expect.poll(() => counted("CANCELLED")).toBe(1);
  });

  it("answers an error thrown mid-stream with its code and ErrorInfo, after the messages before it", async () => {
    const { client, counted } = await serve(async function* () {
      yield numbered(0);
      yield numbered(1);
      throw gatehouseError(Code.FailedPrecondition, ErrorReason.RUN_NOT_ACTIVE, "the run is over", { run: "r1" });
    });
    const received: number[] = [];
    const error = await (async () => {
      try {
        for await (const response of client.authorizeBatch({})) received.push(response.index);
      } catch (caught) {
        return caught;
      }
    })();
    expect(received).toEqual([0, 1]);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.FailedPrecondition);
    expect((error as ConnectError).rawMessage).toBe("the run is over");
    expect(errorInfoOf(error as ConnectError)).toMatchObject({ reason: "RUN_NOT_ACTIVE", domain: "gatehouse", metadata: { run: "r1" } });
    await expect.poll(() => counted("FAILED_PRECONDITION")).toBe(1);
  });

  it("answers an unexpected error as a generic INTERNAL and logs its cause", async () => {
    const { client, logged } = await serve(async function* () {
      yield numbered(0);
      throw new TypeError("cannot read secret of undefined");
    });
    const error = await (async () => {
      try {
        for await (const _ of client.authorizeBatch({})) continue;
      } catch (caught) {
        return caught as ConnectError;
      }
    })();
    expect(error?.code).toBe(Code.Internal);
    expect(error?.rawMessage).toBe("internal error");
    expect(errorInfoOf(error!)).toMatchObject({ reason: "INTERNAL" });
    expect(logged.join("")).toContain("cannot read secret of undefined");
  });

  it("passes the client's deadline to the handler", async () => {
    let seen: number | undefined;
    const { client } = await serve(async function* (_request, context) {
      seen = context.timeoutMs();
      yield numbered(0);
    });
    for await (const _ of client.authorizeBatch({}, { timeoutMs: 3_000 })) continue;
    expect(seen).toBeGreaterThan(2_000);
    expect(seen).toBeLessThanOrEqual(3_000);
  });
});
