import * as grpc from "@grpc/grpc-js";
import { create, toBinary, type DescMessage, type DescMethod, type DescMethodStreaming, type DescMethodUnary, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, type ContextValues, type HandlerContext, type StreamResponse, type Transport, type UnaryResponse } from "@connectrpc/connect";
import { ErrorReason, gatehouseError, internalError } from "@gatehouse/errors";
import type { Route } from "./grpc-service-server.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import { requestTraceOf } from "./grpc-handler-context.js";
import { traceLogFields } from "./request-trace.js";
import { decodeRequest } from "./struct-proto-keys.js";

/** How the in-process transport serves its routes: as a gRPC server would. */
export interface InProcessTransportOptions {
  /** Where unexpected errors are logged; the caller only sees INTERNAL. */
  logger: Logger;
  /** Where every call's method, code and latency are counted, when given. */
  metrics?: Metrics;
  /** The largest request message, in bytes; larger is RESOURCE_EXHAUSTED, as over gRPC. Only with `requests: "wire"`. */
  maxMessageBytes?: number;
  /**
   * How a request reaches the handler. `"wire"` (the default): encoded and
   * decoded as a gRPC server receives it, with the size limit and the checks
   * of decodeRequest. `"copy"`: a deep copy of the caller's message, for
   * callers in this process that bound what they send themselves (the
   * gateway by its body limit, the store asking authn, authz and the worker
   * with input it has checked). The handler still shares no object with its
   * caller, and a Struct key "__proto__" stays an own key that the service's
   * own checks refuse, at a small part of the cost: an AuthorizeRequest with
   * a user and a value takes about 65 µs to encode and decode, 11 µs to copy.
   */
  requests?: "wire" | "copy";
}

type AnyImpl = (request: unknown, context: HandlerContext) => unknown;

/**
 * A Connect transport that calls service implementations in this process,
 * for the combined topology: the same routes a gRPC server registers, with
 * no socket, HTTP/2 framing or response encoding in between (Connect's
 * router transport still runs its HTTP protocol in memory, which costs about
 * as much as the work it carries).
 *
 * What a gRPC server guarantees still holds. Each request is encoded and
 * decoded through `decodeRequest`, exactly as it arrives over the wire, so
 * the size limit, the `__proto__` and nesting checks and field presence are
 * the same, and the handler never shares an object with its caller; for
 * callers that bound their requests themselves, a copy does the last at a
 * fraction of the cost (see `requests`). Errors reach the caller as the
 * ConnectError the handler threw, anything else as INTERNAL with its cause
 * logged only. The call's deadline and the caller's abort signal end it as
 * over gRPC: the caller gets DEADLINE_EXCEEDED or CANCELLED, and the
 * handler's context signal aborts. A server stream ends the handler's
 * generator when its reader stops.
 */
export function createInProcessTransport(routes: readonly Route[], options: InProcessTransportOptions): Transport {
  const impls = new Map<DescMethod, AnyImpl>();
  for (const { service, impl } of routes) {
    for (const method of service.methods) {
      const methodImpl = (impl as Record<string, AnyImpl | undefined>)[method.localName];
      if (methodImpl === undefined) throw new Error(`${service.typeName}.${method.name} has no implementation`);
      impls.set(method, methodImpl.bind(impl));
    }
  }

  const implOf = (method: DescMethod): AnyImpl => {
    const impl = impls.get(method);
    if (impl === undefined) throw new ConnectError(`${method.parent.typeName}.${method.name} is not served here`, Code.Unimplemented);
    return impl;
  };

  const paths = new Map<DescMethod, string>();
  const startCall = (method: DescMethod, signal: AbortSignal | undefined, timeoutMs: number | undefined, header: HeadersInit | undefined, values: ContextValues | undefined) => {
    let path = paths.get(method);
    if (path === undefined) paths.set(method, (path = `/${method.parent.typeName}/${method.name}`));
    return new InProcessCall(path, method, signal, timeoutMs, header, values);
  };

  const decoded = (method: DescMethod, input: MessageInitShape<DescMessage>): unknown => {
    if (options.requests === "copy") return create(method.input, structuredClone(input));
    const bytes = toBinary(method.input, create(method.input, input));
    if (options.maxMessageBytes !== undefined && bytes.length > options.maxMessageBytes) {
      throw gatehouseError(Code.ResourceExhausted, ErrorReason.MESSAGE_TOO_LARGE, `request message is ${bytes.length} bytes; the limit is ${options.maxMessageBytes}`, {
        limit_bytes: String(options.maxMessageBytes),
      });
    }
    return decodeRequest(method.input, bytes);
  };

  /** What a handler's failure reaches the caller as; an unexpected one is logged with the call's trace. */
  const forCaller = (error: unknown, call: InProcessCall): ConnectError => {
    if (error instanceof ConnectError) return error;
    options.logger.error({ err: error, method: call.path, ...traceLogFields(requestTraceOf(call.context)) }, "unexpected error");
    return internalError();
  };

  const record = (call: InProcessCall, code: Code | undefined) => {
    if (options.metrics === undefined) return;
    const labels = { method: call.path, code: grpc.status[code ?? grpc.status.OK] ?? String(code) };
    options.metrics.rpcs.inc(labels);
    options.metrics.rpcSeconds.observe(labels, (performance.now() - call.started) / 1000);
  };

  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const call = startCall(method, signal, timeoutMs, header, contextValues);
      try {
        const request = decoded(method, input);
        const output = await call.race(Promise.resolve(implOf(method)(request, call.context)));
        record(call, undefined);
        return {
          stream: false,
          service: method.parent,
          method,
          header: call.context.responseHeader,
          trailer: call.context.responseTrailer,
          message: create(method.output, output as MessageInitShape<O>) as MessageShape<O>,
        };
      } catch (error) {
        const failure = forCaller(error, call);
        record(call, failure.code);
        throw failure;
      } finally {
        call.end();
      }
    },

    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      if (method.methodKind !== "server_streaming") throw new ConnectError(`${method.parent.typeName}.${method.name} is ${method.methodKind}; only server streams are served`, Code.Unimplemented);
      let first: MessageInitShape<I> | undefined;
      for await (const message of input) {
        first = message;
        break;
      }
      const call = startCall(method, signal, timeoutMs, header, contextValues);
      let iterator: AsyncIterator<unknown>;
      try {
        const request = decoded(method, first ?? ({} as MessageInitShape<I>));
        iterator = (implOf(method)(request, call.context) as AsyncIterable<unknown>)[Symbol.asyncIterator]();
        // Connect's clients stop a stream by aborting its signal (breaking out of the loop does not reach
        // the transport); then, or at the deadline, the handler's generator is ended as a gRPC server ends it.
        call.context.signal.addEventListener("abort", () => void iterator.return?.()?.catch(() => {}), { once: true });
      } catch (error) {
        call.end();
        const failure = forCaller(error, call);
        record(call, failure.code);
        throw failure;
      }
      async function* messages(): AsyncGenerator<MessageShape<O>> {
        let code: Code | undefined = Code.Canceled;
        try {
          for (;;) {
            const next = await call.race(iterator.next());
            if (next.done) break;
            yield create(method.output, next.value as MessageInitShape<O>) as MessageShape<O>;
          }
          code = undefined;
        } catch (error) {
          const failure = forCaller(error, call);
          code = failure.code;
          throw failure;
        } finally {
          record(call, code);
          // A reader that stopped early has gone away, as a cancelled gRPC stream: the handler's signal aborts.
          if (code === Code.Canceled) call.cancel();
          call.end();
        }
      }
      return { stream: true, service: method.parent, method, header: call.context.responseHeader, trailer: call.context.responseTrailer, message: messages() };
    },
  };
}

/**
 * One call in flight: its handler context, and what ends it early (the
 * caller's signal, the deadline). A class rather than closures: a call is
 * set up twice per request in the combined topology, and the fewer objects
 * each makes, the better.
 */
class InProcessCall {
  readonly started = performance.now();
  readonly context: InProcessHandlerContext;
  /** Made when the handler first asks for its signal: most never do, and an AbortSignal costs more than the rest of a call's set-up. */
  #controller: AbortController | undefined;
  #ended: ConnectError | undefined;
  #fail: ((error: ConnectError) => void) | undefined;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #onCallerAbort: (() => void) | undefined;

  constructor(
    readonly path: string,
    method: DescMethod,
    callerSignal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    header: HeadersInit | undefined,
    values: ContextValues | undefined,
  ) {
    const deadlineMs = timeoutMs === undefined || timeoutMs <= 0 ? undefined : Date.now() + timeoutMs;
    this.context = new InProcessHandlerContext(method, path, new Headers(header), deadlineMs, this, values ?? createContextValues());
    if (deadlineMs !== undefined) this.#timer = setTimeout(() => this.#stop(new ConnectError("the call's deadline passed", Code.DeadlineExceeded)), timeoutMs);
    if (callerSignal === undefined) return;
    this.#callerSignal = callerSignal;
    this.#onCallerAbort = () => this.cancel();
    if (callerSignal.aborted) this.cancel();
    else callerSignal.addEventListener("abort", this.#onCallerAbort, { once: true });
  }

  /** The handler's signal: aborted once the call is ended early. */
  signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#ended !== undefined) this.#controller.abort(this.#ended);
    }
    return this.#controller.signal;
  }

  /** Settles with `work`, or rejects with CANCELLED or DEADLINE_EXCEEDED as soon as the call is ended early; one race at a time. */
  race<T>(work: Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      if (this.#ended !== undefined) return reject(this.#ended);
      this.#fail = reject;
      work.then(resolve, reject);
    });
  }

  /** Clears the deadline timer once the caller has its answer; the handler's signal stays as it is. */
  end(): void {
    clearTimeout(this.#timer);
    if (this.#onCallerAbort !== undefined) this.#callerSignal?.removeEventListener("abort", this.#onCallerAbort);
  }

  /** Ends the call as a caller going away would: the handler's signal aborts. */
  cancel(): void {
    this.#stop(new ConnectError("the call was cancelled by its caller", Code.Canceled));
  }

  #stop(error: ConnectError): void {
    if (this.#ended !== undefined) return;
    this.#ended = error;
    this.#controller?.abort(error);
    this.#fail?.(error);
  }
}

/** The HandlerContext of an in-process call: what a served gRPC call's context offers, without the socket. */
class InProcessHandlerContext implements HandlerContext {
  readonly protocolName = "in-process";
  readonly requestMethod = "POST";
  /** Callers in this process have no network address; per-caller limits key them by credential. */
  readonly peerAddress = "in-process";
  readonly service;
  #responseHeader: Headers | undefined;
  #responseTrailer: Headers | undefined;

  constructor(
    readonly method: DescMethod,
    readonly url: string,
    readonly requestHeader: Headers,
    private readonly deadlineMs: number | undefined,
    private readonly call: InProcessCall,
    readonly values: ContextValues,
  ) {
    this.service = method.parent;
  }

  get signal(): AbortSignal {
    return this.call.signal();
  }

  timeoutMs(): number | undefined {
    return this.deadlineMs === undefined ? undefined : Math.max(0, this.deadlineMs - Date.now());
  }

  get responseHeader(): Headers {
    return (this.#responseHeader ??= new Headers());
  }

  get responseTrailer(): Headers {
    return (this.#responseTrailer ??= new Headers());
  }
}
