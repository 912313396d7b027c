import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary, type DescMessage, type DescMethodStreaming, type DescMethodUnary, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type StreamResponse, type Transport, type UnaryResponse } from "@connectrpc/connect";
import { grpcServiceConfig, type RetryScope } from "./retry-policy.js";
import type { KeepaliveValues } from "./settings.js";
import { connectErrorFromStatus } from "./status-details.js";

/**
 * How an internal client reaches the replicas of one service. Calls named in
 * `retryableServices` or `retryableMethods` are retried on UNAVAILABLE with
 * exponential backoff, within their deadline; every other call is tried once.
 */
export interface GrpcTransportOptions extends RetryScope {
  /**
   * A grpc-js target. `dns:///authz:50053` balances across every address the
   * name resolves to, `ipv4:127.0.0.1:50053,127.0.0.1:50063` across the
   * addresses listed; `127.0.0.1:50053` talks to one process.
   */
  target: string;
  /** The deadline for calls that bring none of their own. */
  defaultTimeoutMs: number;
  credentials?: grpc.ChannelCredentials;
  /** How often an idle connection is pinged, and how long a ping may go unanswered before the connection counts as dead; default {@link defaultKeepalive}. */
  keepalive?: Keepalive;
}

/** The HTTP/2 keepalive of an internal client: how soon it notices a peer that vanished without closing its connection. */
export interface Keepalive {
  timeMs: number;
  timeoutMs: number;
}

/** The keepalive when none is given: a ping every 30 s, answered within 10 s. */
export const defaultKeepalive: Keepalive = { timeMs: 30_000, timeoutMs: 10_000 };

/** The keepalive from the values of `keepaliveSettings`. */
export function keepaliveOf(values: KeepaliveValues): Keepalive {
  return { timeMs: values.keepaliveTimeMs, timeoutMs: values.keepaliveTimeoutMs };
}

/** A Connect transport that can be closed. */
export interface ClosableTransport extends Transport {
  close(): void;
}

/**
 * A Connect transport that speaks gRPC through grpc-js, so internal clients
 * keep Connect's typed `createClient` API and tests can swap in a router
 * transport, while the wire path stays on grpc-js.
 */
export function createGrpcTransport(options: GrpcTransportOptions): ClosableTransport {
  const keepalive = options.keepalive ?? defaultKeepalive;
  const client = new grpc.Client(options.target, options.credentials ?? grpc.credentials.createInsecure(), {
    "grpc.service_config": JSON.stringify(grpcServiceConfig(options)),
    "grpc.keepalive_time_ms": keepalive.timeMs,
    "grpc.keepalive_timeout_ms": keepalive.timeoutMs,
    "grpc.keepalive_permit_without_calls": 1,
  });
  return {
    unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
    ): Promise<UnaryResponse<I, O>> {
      const path = `/${method.parent.typeName}/${method.name}`;
      const metadata = metadataFrom(header);
      const deadline = Date.now() + (timeoutMs ?? options.defaultTimeoutMs);
      return new Promise((resolve, reject) => {
        if (signal?.aborted) {
          reject(new ConnectError("call aborted", Code.Canceled));
          return;
        }
        let received: grpc.Metadata | undefined;
        const call = withoutCallerStack(() =>
          client.makeUnaryRequest(
            path,
            (message: MessageInitShape<I>) => Buffer.from(toBinary(method.input, create(method.input, message))),
            (bytes: Buffer) => fromBinary(method.output, bytes),
            input,
            metadata,
            { deadline },
            (error, message) => {
              signal?.removeEventListener("abort", cancel);
              if (error) {
                reject(connectErrorFromStatus(error));
                return;
              }
              // Fetch Headers are slow to build and most callers never read them: made on first read.
              let header: Headers | undefined;
              let trailer: Headers | undefined;
              resolve({
                stream: false,
                service: method.parent,
                method,
                get header() {
                  return (header ??= headersOf(received));
                },
                message: message!,
                get trailer() {
                  return (trailer ??= new Headers());
                },
              });
            },
          ),
        );
        const cancel = () => call.cancel();
        signal?.addEventListener("abort", cancel, { once: true });
        call.on("metadata", (metadata) => (received = metadata));
      });
    },
    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
    ): Promise<StreamResponse<I, O>> {
      if (method.methodKind !== "server_streaming") {
        throw new ConnectError(`${method.parent.typeName}.${method.name}: only server-streaming calls are supported`, Code.Unimplemented);
      }
      let request: MessageInitShape<I> | undefined;
      for await (const message of input) {
        request = message;
        break;
      }
      if (request === undefined) throw new ConnectError("a server-streaming call needs its request", Code.InvalidArgument);
      if (signal?.aborted) throw new ConnectError("call aborted", Code.Canceled);
      const metadata = metadataFrom(header);
      const call = withoutCallerStack(() =>
        client.makeServerStreamRequest(
          `/${method.parent.typeName}/${method.name}`,
          (message: MessageInitShape<I>) => Buffer.from(toBinary(method.input, create(method.input, message))),
          (bytes: Buffer) => fromBinary(method.output, bytes),
          request!,
          metadata,
          { deadline: Date.now() + (timeoutMs ?? options.defaultTimeoutMs) },
        ),
      );
      const cancel = () => call.cancel();
      signal?.addEventListener("abort", cancel, { once: true });
      const responseHeader = new Headers();
      const trailer = new Headers();
      call.on("metadata", (received) => copyText(received, responseHeader));
      call.on("status", (status) => copyText(status.metadata, trailer));
      async function* messages(): AsyncGenerator<MessageShape<O>> {
        try {
          // A Readable in object mode: iterating pulls, so grpc-js stops reading from the socket while the consumer is busy.
          for await (const message of call) yield message as MessageShape<O>;
        } catch (error) {
          throw isStatus(error) ? connectErrorFromStatus(error) : ConnectError.from(error);
        } finally {
          signal?.removeEventListener("abort", cancel);
          // A consumer that stops early cancels the call, so the server stops producing.
          call.cancel();
        }
      }
      return { stream: true, service: method.parent, method, header: responseHeader, message: messages(), trailer };
    },
    close() {
      client.close();
    },
  };
}

/**
 * Starts a grpc-js call without the stack trace grpc-js records at every
 * call (an Error made only to append the caller's stack to a failed call's
 * message). Capturing it cost about 4 µs per call, a visible share of every
 * hop; the errors Gatehouse passes on are built from the status alone
 * (connectErrorFromStatus) and never carried that stack.
 */
function withoutCallerStack<T>(start: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return start();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * A call's request headers as gRPC metadata. A plain record (what the
 * gateway and the store pass) is copied as it is, names lower-cased as
 * Headers would; only other HeadersInit forms go through Fetch Headers,
 * whose construction showed in profiles of every hop.
 */
export function metadataFrom(header: HeadersInit | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (header === undefined) return metadata;
  if (header instanceof Headers || Array.isArray(header) || Symbol.iterator in header) {
    new Headers(header).forEach((value, key) => metadata.set(key, value));
    return metadata;
  }
  for (const key of Object.keys(header)) {
    const value = (header as Record<string, string>)[key];
    if (value !== undefined) metadata.set(key.toLowerCase(), String(value).trim());
  }
  return metadata;
}

/** The text entries of received metadata as Fetch headers (none when nothing was received). */
function headersOf(metadata: grpc.Metadata | undefined): Headers {
  const headers = new Headers();
  if (metadata !== undefined) copyText(metadata, headers);
  return headers;
}

function copyText(metadata: grpc.Metadata, into: Headers): void {
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (typeof value === "string") into.set(key, value);
  }
}

function isStatus(error: unknown): error is grpc.StatusObject {
  return typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "number" && "details" in error;
}
