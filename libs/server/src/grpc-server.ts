import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { internalError } from "@gatehouse/errors";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import { GrpcHandlerContext } from "./grpc-handler-context.js";
import { traceLogFields } from "./request-trace.js";
import { statusFromConnectError } from "./status-details.js";

type AnyUnaryImpl = (request: unknown, context: HandlerContext) => Promise<unknown> | unknown;

/** Options for serving a Connect service implementation on a grpc-js server. */
export interface RegisterServiceOptions {
  /** Where unexpected errors are logged; the client only sees INTERNAL. */
  logger: Logger;
  /** Where every call's method, code and latency are counted, when given. */
  metrics?: Metrics;
}

/**
 * Serves a Connect `ServiceImpl` on a grpc-js server.
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
    if (method.methodKind !== "unary") {
      throw new Error(`${service.typeName}.${method.name}: only unary methods are served`);
    }
    const methodImpl = (impl as Record<string, AnyUnaryImpl | undefined>)[method.localName];
    if (methodImpl === undefined) {
      throw new Error(`${service.typeName}.${method.name} has no implementation`);
    }
    definition[method.name] = methodDefinition(service, method);
    handlers[method.name] = unaryHandler(service, method, methodImpl.bind(impl), options);
  }
  server.addService(definition, handlers);
}

function methodDefinition(service: DescService, method: DescMethod): grpc.MethodDefinition<unknown, unknown> {
  return {
    path: `/${service.typeName}/${method.name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: serializer(method.input),
    requestDeserialize: deserializer(method.input),
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

function unaryHandler(
  service: DescService,
  method: DescMethod,
  impl: AnyUnaryImpl,
  { logger, metrics }: RegisterServiceOptions,
): grpc.handleUnaryCall<unknown, unknown> {
  const path = `/${service.typeName}/${method.name}`;
  const accessLog = logger.isLevelEnabled("debug");
  const record = (context: GrpcHandlerContext, started: number, code: number) => {
    const labels = { method: path, code: grpc.status[code] ?? String(code) };
    const seconds = (performance.now() - started) / 1000;
    metrics?.rpcs.inc(labels);
    metrics?.rpcSeconds.observe(labels, seconds);
    if (accessLog) logger.debug({ ...labels, ms: Math.round(seconds * 10_000) / 10, ...traceLogFields(context.trace) }, "rpc");
  };
  return (call, callback) => {
    const started = performance.now();
    const context = new GrpcHandlerContext(service, method, path, call);
    Promise.resolve()
      .then(() => impl(call.request, context))
      .then(
        (response) => {
          const trailer = new grpc.Metadata();
          context.responseTrailerIfSet?.forEach((value, key) => trailer.set(key, value));
          echoRequestId(context, trailer);
          callback(null, response, trailer);
          record(context, started, grpc.status.OK);
        },
        (error: unknown) => {
          if (!(error instanceof ConnectError)) {
            logger.error({ err: error, method: path, ...traceLogFields(context.trace) }, "unexpected error");
          }
          const connectError = error instanceof ConnectError ? error : internalError();
          const status = statusFromConnectError(connectError);
          echoRequestId(context, status.metadata!);
          callback(status);
          record(context, started, connectError.code);
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
