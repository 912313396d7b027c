import type * as grpc from "@grpc/grpc-js";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { createContextValues, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import { traceFromHeaders, type RequestTrace } from "./request-trace.js";

/** A grpc-js call with one request message: unary, or server-streaming. */
export type ServedCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

/**
 * A Connect HandlerContext over one grpc-js call, built lazily: headers, the
 * abort signal and context values are only made when a handler reads them.
 * Connect's own createHandlerContext builds all of them eagerly, which costs
 * a measurable share of a unary call on the hot path.
 */
export class GrpcHandlerContext implements HandlerContext {
  readonly protocolName = "grpc";
  readonly requestMethod = "POST";
  readonly #call: ServedCall;
  readonly #deadlineMs: number;
  #requestHeader: Headers | undefined;
  #responseHeader: Headers | undefined;
  #responseTrailer: Headers | undefined;
  #signal: AbortSignal | undefined;
  #values: ContextValues | undefined;
  #trace: RequestTrace | undefined;

  constructor(
    readonly service: DescService,
    readonly method: DescMethod,
    readonly url: string,
    call: ServedCall,
  ) {
    this.#call = call;
    const deadline = call.getDeadline();
    this.#deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
  }

  readonly timeoutMs = (): number | undefined =>
    Number.isFinite(this.#deadlineMs) ? Math.max(0, this.#deadlineMs - Date.now()) : undefined;

  get requestHeader(): Headers {
    return (this.#requestHeader ??= headersFromMetadata(this.#call.metadata));
  }

  get responseHeader(): Headers {
    return (this.#responseHeader ??= new Headers());
  }

  get responseTrailer(): Headers {
    return (this.#responseTrailer ??= new Headers());
  }

  /** Headers a handler set for the response, if it set any. */
  get responseTrailerIfSet(): Headers | undefined {
    return this.#responseTrailer;
  }

  get signal(): AbortSignal {
    if (this.#signal === undefined) {
      const controller = new AbortController();
      if (this.#call.cancelled) controller.abort(new Error("call cancelled by the client"));
      else this.#call.once("cancelled", () => controller.abort(new Error("call cancelled by the client")));
      this.#signal = controller.signal;
    }
    return this.#signal;
  }

  /** The caller's IP address as the connection reports it, without the port. */
  get peerAddress(): string {
    const peer = this.#call.getPeer();
    return peer.replace(/:\d+$/, "");
  }

  get values(): ContextValues {
    return (this.#values ??= createContextValues());
  }

  /** This call's request id and trace context, read from the metadata without building Fetch headers. */
  get trace(): RequestTrace {
    return (this.#trace ??= traceFromHeaders((name) => {
      const [value] = this.#call.metadata.get(name);
      return typeof value === "string" ? value : undefined;
    }));
  }
}

const tracesOfOtherContexts = new WeakMap<HandlerContext, RequestTrace>();

/**
 * The request trace of any handler context: served calls carry theirs, and
 * contexts made elsewhere (Connect's in-memory router in tests) get one from
 * their headers, once.
 */
export function requestTraceOf(context: HandlerContext): RequestTrace {
  if (context instanceof GrpcHandlerContext) return context.trace;
  let trace = tracesOfOtherContexts.get(context);
  if (trace === undefined) {
    trace = traceFromHeaders((name) => context.requestHeader.get(name) ?? undefined);
    tracesOfOtherContexts.set(context, trace);
  }
  return trace;
}

/** Copies the text entries of gRPC metadata into Fetch headers. */
export function headersFromMetadata(metadata: grpc.Metadata): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (typeof value === "string") headers.set(key, value);
  }
  return headers;
}
