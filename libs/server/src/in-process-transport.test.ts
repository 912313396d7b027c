import { setTimeout as sleep } from "node:timers/promises";
import { Writable } from "node:stream";
import { Code, ConnectError, createClient, type HandlerContext } from "@connectrpc/connect";
import { AuthzService, ThreadService, type AuthorizeBatchRequest, type AuthorizeRequest } from "@gatehouse/contracts";
import { ErrorReason, errorInfoOf, gatehouseError } from "@gatehouse/errors";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createInProcessTransport, type InProcessTransportOptions } from "./in-process-transport.js";
import { createMetrics } from "./metrics.js";

type Unary = (request: AuthorizeRequest, context: HandlerContext) => unknown;
type Stream = (request: AuthorizeBatchRequest, context: HandlerContext) => AsyncIterable<{ index: number }>;

function serve(authorize: Unary, authorizeBatch: Stream = async function* () {}, options: Pick<InProcessTransportOptions, "maxMessageBytes" | "requests"> = {}) {
  const logged: string[] = [];
  const logger = pino({ level: "error" }, new Writable({ write: (chunk, _encoding, done) => (logged.push(String(chunk)), done()) }));
  const metrics = createMetrics("in-process-test");
  const transport = createInProcessTransport([{ service: AuthzService, impl: { authorize, authorizeBatch } as never }], { logger, metrics, ...options });
  const counted = async (method: string, code: string) =>
    (await metrics.rpcs.get()).values.find((value) => value.labels.code === code && value.labels.method === `/gatehouse.authz.v1.AuthzService/${method}`)?.value ?? 0;
  return { client: createClient(AuthzService, transport), transport, logged, counted };
}

async function failureOf(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("the call succeeded");
}

describe("the in-process transport", () => {
  it("answers a unary call with the handler's response, with the caller's headers in its context, and counts it", async () => {
    let seen: { header?: string | null; url?: string } = {};
    const { client, counted } = serve((request, context) => {
      seen = { header: context.requestHeader.get("authorization"), url: context.url };
      return { decision: { handlerKey: `${request.resource}:${request.action}` } };
    });
    const response = await client.authorize({ resource: "threads", action: "read" }, { headers: { authorization: "Bearer t" } });
    expect(response.decision?.handlerKey).toBe("threads:read");
    expect(seen).toEqual({ header: "Bearer t", url: "/gatehouse.authz.v1.AuthzService/Authorize" });
    expect(await counted("Authorize", "OK")).toBe(1);
  });

  it("hands the handler a request decoded from its wire bytes, as a gRPC server would: equal, and sharing no object with the caller", async () => {
    const value = { owner: "a", nested: { list: [1, "two"] } };
    let received: AuthorizeRequest | undefined;
    const { client } = serve((request) => {
      received = request;
      return {};
    });
    await client.authorize({ resource: "threads", action: "read", value });
    expect(received!.value).toEqual(value);
    expect(received!.value).not.toBe(value);
    expect(received!.value!.nested).not.toBe(value.nested);
  });

  it("between Gatehouse's own services, hands the handler a copy: a full message with its defaults, sharing no object with the caller", async () => {
    const value = { owner: "a", nested: { list: [1, "two"] } };
    const user = { identity: "alice", permissions: ["threads:read"] };
    let received: AuthorizeRequest | undefined;
    const { client } = serve(
      (request) => {
        received = request;
        // A handler that changes what it was given changes nothing of the caller's.
        (request.value!.nested as { list: unknown[] }).list.push("three");
        request.user!.permissions.push("threads:write");
        return {};
      },
      undefined,
      { requests: "copy" },
    );
    await client.authorize({ user, resource: "threads", action: "read", value });
    expect(received!.$typeName).toBe("gatehouse.authz.v1.AuthorizeRequest");
    expect(received!.user!.$typeName).toBe("gatehouse.type.v1.User");
    expect(received!.traceparent).toBe("");
    expect(received!.user!.isAuthenticated).toBe(false);
    expect(value).toEqual({ owner: "a", nested: { list: [1, "two"] } });
    expect(user.permissions).toEqual(["threads:read"]);
  });

  it("refuses a request over the size limit with RESOURCE_EXHAUSTED and its ErrorInfo, before the handler runs", async () => {
    let ran = false;
    const { client } = serve(() => ((ran = true), {}), undefined, { maxMessageBytes: 64 });
    const failure = await failureOf(client.authorize({ resource: "x".repeat(100), action: "read" }));
    expect(failure.code).toBe(Code.ResourceExhausted);
    expect(errorInfoOf(failure)?.reason).toBe(ErrorReason[ErrorReason.MESSAGE_TOO_LARGE]);
    expect(ran).toBe(false);
  });

  it("passes a handler's ConnectError on unchanged, and turns anything else into INTERNAL whose cause is only logged", async () => {
    const denied = gatehouseError(Code.PermissionDenied, ErrorReason.PERMISSION_DENIED, "no");
    const first = serve(() => Promise.reject(denied));
    expect(await failureOf(first.client.authorize({}))).toBe(denied);
    expect(await first.counted("Authorize", "PERMISSION_DENIED")).toBe(1);

    const second = serve(() => {
      throw new Error("SELECT secret FROM somewhere");
    });
    const failure = await failureOf(second.client.authorize({}));
    expect(failure.code).toBe(Code.Internal);
    expect(failure.rawMessage).not.toContain("SELECT");
    expect(second.logged.join("")).toContain("SELECT secret");
  });

  it("ends a call at its deadline with DEADLINE_EXCEEDED, and the handler's signal aborts", async () => {
    let signal: AbortSignal | undefined;
    const { client } = serve(async (_request, context) => {
      signal = context.signal;
      await sleep(1_000);
      return {};
    });
    const started = Date.now();
    const failure = await failureOf(client.authorize({}, { timeoutMs: 50 }));
    expect(failure.code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(500);
    expect(signal?.aborted).toBe(true);
  });

  it("ends a call its caller aborts with CANCELLED, and the handler's signal aborts; a finished call's signal does not", async () => {
    const signals: AbortSignal[] = [];
    const { client } = serve(async (request, context) => {
      signals.push(context.signal);
      if (request.action === "slow") await sleep(1_000);
      return {};
    });
    await client.authorize({ action: "fast" });
    const abort = new AbortController();
    const call = failureOf(client.authorize({ action: "slow" }, { signal: abort.signal }));
    await sleep(10);
    abort.abort();
    expect((await call).code).toBe(Code.Canceled);
    expect(signals.map((signal) => signal.aborted)).toEqual([false, true]);
  });

  it("streams every message a server-streaming handler yields, in order", async () => {
    const { client, counted } = serve(
      () => ({}),
      async function* (request) {
        for (let index = 0; index < request.requests.length; index++) yield { index };
      },
    );
    const indexes: number[] = [];
    for await (const message of client.authorizeBatch({ requests: [{}, {}, {}] })) indexes.push(message.index);
    expect(indexes).toEqual([0, 1, 2]);
    expect(await counted("AuthorizeBatch", "OK")).toBe(1);
  });

  it("a reader that aborts its call cancels the stream: the handler's signal aborts and its generator is ended", async () => {
    let signal: AbortSignal | undefined;
    let finished = false;
    const { client } = serve(
      () => ({}),
      async function* (_request, context) {
        signal = context.signal;
        try {
          for (let index = 0; ; index++) yield { index };
        } finally {
          finished = true;
        }
      },
    );
    const abort = new AbortController();
    await failureOf(
      (async () => {
        for await (const message of client.authorizeBatch({}, { signal: abort.signal })) if (message.index === 2) abort.abort();
      })(),
    );
    await sleep(10);
    expect(signal?.aborted).toBe(true);
    expect(finished).toBe(true);
  });

  it("a stream's error after some messages reaches the reader as the handler's ConnectError", async () => {
    const { client } = serve(
      () => ({}),
      async function* () {
        yield { index: 0 };
        throw new ConnectError("gone", Code.Unavailable);
      },
    );
    const indexes: number[] = [];
    const failure = await failureOf(
      (async () => {
        for await (const message of client.authorizeBatch({})) indexes.push(message.index);
      })(),
    );
    expect(indexes).toEqual([0]);
    expect(failure.code).toBe(Code.Unavailable);
  });

  it("answers UNIMPLEMENTED for a service it does not serve", async () => {
    const { transport } = serve(() => ({}));
    const failure = await failureOf(createClient(ThreadService, transport).getThread({ threadId: "t" }));
    expect(failure.code).toBe(Code.Unimplemented);
  });
});
