import { once } from "node:events";
import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { ErrorReason, gatehouseError, internalError } from "@gatehouse/errors";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import { GrpcHandlerContext } from "./grpc-handler-context.js";
import { traceLogFields } from "./request-trace.js";
import { decodeRequest } from "./struct-proto-keys.js";
import { statusFromConnectError } from "./status-details.js";

type AnyUnaryImpl = (request: unknown, context: HandlerContext) => Promise<unknown> | unknown;
type AnyServerStreamingImpl = (request: unknown, context: HandlerContext) => AsyncIterable<unknown>;

/** Options for serving a Connect service implementation on a grpc-js server. */
export interface RegisterServiceOptions {
  /** Where unexpected errors are logged; the client only sees INTERNAL. */
  logger: Logger;
  /** Where every call's method, code and latency are counted, when given. */
  metrics?: Metrics;
  /**
   * The largest request message, in bytes; a larger one is answered
   * RESOURCE_EXHAUSTED with reason MESSAGE_TOO_LARGE before the handler
   * runs. grpc-js must be let read somewhat more (serverOptionsFor does).
   */
  maxMessageBytes?: number;
}

/** What the request deserializer hands on in place of a message over the limit, so the call answers it with an ErrorInfo. */
class OversizedMessage {
  constructor(readonly bytes: number) {}
}

/** The error of a request message over the limit. */
function messageTooLarge(bytes: number, maxBytes: number): ConnectError {
  return gatehouseError(Code.ResourceExhausted, ErrorReason.MESSAGE_TOO_LARGE, `request message is ${bytes} bytes; the limit is ${maxBytes}`, {
    limit_bytes: String(maxBytes),
  });
}

/**
 * Serves a Connect `ServiceImpl` on a grpc-js server: unary methods, and
 * server-streaming methods whose implementation returns an AsyncIterable
 * (such as an `async function*`).
 *
 * Services are written against Connect's types so tests can run them in
 * memory through a router transport, and served by grpc-js because its unary
 * path is several times cheaper than connect-node's on these machines.
 */
export function registerService<S extends DescService>(
  server: grpc.Server,
  service: S,
  impl: ServiceImpl<S>,
  options: RegisterServiceOptions,
): void {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const method of service.methods) {
    if (method.methodKind !== "unary" && method.methodKind !== "server_streaming") {
      throw new Error(`${service.typeName}.${method.name}: only unary and server-streaming methods are served`);
    }
    const methodImpl = (impl as Record<string, ((request: unknown, context: HandlerContext) => unknown) | undefined>)[method.localName];
    if (methodImpl === undefined) {
      throw new Error(`${service.typeName}.${method.name} has no implementation`);
    }
    definition[method.name] = methodDefinition(service, method, options.maxMessageBytes);
    handlers[method.name] =
      method.methodKind === "unary"
        ? unaryHandler(service, method, methodImpl.bind(impl) as AnyUnaryImpl, options)
        : serverStreamingHandler(service, method, methodImpl.bind(impl) as AnyServerStreamingImpl, options);
  }
  server.addService(definition, handlers);
}

function methodDefinition(service: DescService, method: DescMethod, maxMessageBytes: number | undefined): grpc.MethodDefinition<unknown, unknown> {
  // Requests decode through decodeRequest, which keeps what plain decoding would hide (a "__proto__" key, nesting too deep to decode).
  const parse = (bytes: Buffer) => decodeRequest(method.input, bytes);
  return {
    path: `/${service.typeName}/${method.name}`,
    requestStream: false,
    responseStream: method.methodKind === "server_streaming",
    requestSerialize: serializer(method.input),
    // Not parsed at all when over the limit: the handler path answers it.
    requestDeserialize: maxMessageBytes === undefined ? parse : (bytes: Buffer) => (bytes.length > maxMessageBytes ? new OversizedMessage(bytes.length) : parse(bytes)),
    responseSerialize: serializer(method.output),
    responseDeserialize: deserializer(method.output),
  };
}

function serializer(schema: DescMessage) {
  return (message: unknown) => Buffer.from(toBinary(schema, create(schema, message as never)));
}

function deserializer(schema: DescMessage) {
  return (bytes: Buffer) => fromBinary(schema, bytes);
}

/** Counts, times and (at debug) logs one finished call. */
function callRecorder(path: string, { logger, metrics }: RegisterServiceOptions) {
  const accessLog = logger.isLevelEnabled("debug");
  return (context: GrpcHandlerContext, started: number, code: number) => {
    const labels = { method: path, code: grpc.status[code] ?? String(code) };
    const seconds = (performance.now() - started) / 1000;
    metrics?.rpcs.inc(labels);
    metrics?.rpcSeconds.observe(labels, seconds);
    if (accessLog) logger.debug({ ...labels, ms: Math.round(seconds * 10_000) / 10, ...traceLogFields(context.trace) }, "rpc");
  };
}

/** The status a handler's error is answered with: its own if it built one, else a generic INTERNAL whose cause is logged. */
function statusForError(error: unknown, path: string, context: GrpcHandlerContext, logger: Logger) {
  if (!(error instanceof ConnectError)) {
    logger.error({ err: error, method: path, ...traceLogFields(context.trace) }, "unexpected error");
  }
  const connectError = error instanceof ConnectError ? error : internalError();
  const status = statusFromConnectError(connectError);
  echoRequestId(context, status.metadata!);
  return { status, code: connectError.code as number };
}

/** The trailers of a call that succeeded: what the handler set, and the caller's request id. */
function successTrailer(context: GrpcHandlerContext): grpc.Metadata {
  const trailer = new grpc.Metadata();
  context.responseTrailerIfSet?.forEach((value, key) => trailer.set(key, value));
  echoRequestId(context, trailer);
  return trailer;
}

function unaryHandler(service: DescService, method: DescMethod, impl: AnyUnaryImpl, options: RegisterServiceOptions): grpc.handleUnaryCall<unknown, unknown> {
  const path = `/${service.typeName}/${method.name}`;
  const record = callRecorder(path, options);
  return (call, callback) => {
    const started = performance.now();
    const context = new GrpcHandlerContext(service, method, path, call);
    Promise.resolve()
      .then(() => (call.request instanceof OversizedMessage ? Promise.reject(messageTooLarge(call.request.bytes, options.maxMessageBytes!)) : impl(call.request, context)))
      .then(
        (response) => {
          callback(null, response, successTrailer(context));
          record(context, started, grpc.status.OK);
        },
        (error: unknown) => {
          const { status, code } = statusForError(error, path, context, options.logger);
          callback(status);
          record(context, started, code);
        },
      );
  };
}

/**
 * Serves a server-streaming method: writes each message the implementation
 * yields, waiting for 'drain' whenever grpc-js buffers more than it should
 * (so a slow reader slows the generator rather than filling memory), ends
 * with OK, or with the status of a thrown error exactly as a unary call
 * would. When the client cancels, `context.signal` aborts and the generator
 * is returned at its next yield.
 */
function serverStreamingHandler(
  service: DescService,
  method: DescMethod,
  impl: AnyServerStreamingImpl,
  options: RegisterServiceOptions,
): grpc.handleServerStreamingCall<unknown, unknown> {
  const path = `/${service.typeName}/${method.name}`;
  const record = callRecorder(path, options);
  return (call) => {
    const started = performance.now();
    const context = new GrpcHandlerContext(service, method, path, call);
    const cancelled = new Promise<"cancelled">((resolve) => {
      if (call.cancelled) resolve("cancelled");
      else call.once("cancelled", () => resolve("cancelled"));
    });
    let iterator: AsyncIterator<unknown> | undefined;
    const run = async (): Promise<void> => {
      if (call.request instanceof OversizedMessage) throw messageTooLarge(call.request.bytes, options.maxMessageBytes!);
      iterator = impl(call.request, context)[Symbol.asyncIterator]();
      for (;;) {
        const pending = iterator.next();
        // A step that loses the race to a cancel may still fail; nobody is left to tell.
        pending.catch(() => {});
        const next = await Promise.race([pending, cancelled]);
        if (next === "cancelled") return;
        if (next.done) break;
        if (!call.write(next.value)) {
          const waited = await Promise.race([once(call, "drain").then(() => "drained" as const), cancelled]);
          if (waited === "cancelled") return;
        }
        if (call.cancelled) return;
      }
      call.end(successTrailer(context));
    };
    run().then(
      () => {
        if (call.cancelled) {
          // Ends the generator at its next yield; its own error, if any, is of no interest to a caller that left.
          void iterator?.return?.().catch(() => {});
          record(context, started, grpc.status.CANCELLED);
        } else {
          record(context, started, grpc.status.OK);
        }
      },
      (error: unknown) => {
        if (call.cancelled) {
          record(context, started, grpc.status.CANCELLED);
          return;
        }
        const { status, code } = statusForError(error, path, context, options.logger);
        // grpc-js sends the status of an 'error' event on a server stream, then ends it.
        call.emit("error", status);
        record(context, started, code);
      },
    );
  };
}

/**
 * Hands the caller's own request id back in the trailers. An id Gatehouse
 * made up is only logged: echoing it would make two answers that must be
 * byte-identical (a hidden row and a missing one) differ.
 */
function echoRequestId(context: GrpcHandlerContext, trailer: grpc.Metadata): void {
  if (context.trace.callerSentRequestId) trailer.set("x-request-id", context.trace.requestId);
}
