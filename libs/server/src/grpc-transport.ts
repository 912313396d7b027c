import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary, type DescMessage, type DescMethodUnary, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport, type UnaryResponse } from "@connectrpc/connect";
import { grpcServiceConfig, type RetryScope } from "./retry-policy.js";
import { envInt } from "./env.js";
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
  /** How often an idle connection is pinged, and how long a ping may go unanswered before the connection counts as dead; default keepaliveFromEnv(). */
  keepalive?: Keepalive;
}

/** The HTTP/2 keepalive of an internal client: how soon it notices a peer that vanished without closing its connection. */
export interface Keepalive {
  timeMs: number;
  timeoutMs: number;
}

/**
 * The keepalive from GATEHOUSE_KEEPALIVE_TIME_MS (default 30 000) and
 * GATEHOUSE_KEEPALIVE_TIMEOUT_MS (default 10 000). A peer cut off by the
 * network (no reset, just silence) is noticed only when a ping goes
 * unanswered: until then calls to it wait out their deadlines.
 */
export function keepaliveFromEnv(): Keepalive {
  return {
    timeMs: envInt("GATEHOUSE_KEEPALIVE_TIME_MS", 30_000, { min: 1_000 }),
    timeoutMs: envInt("GATEHOUSE_KEEPALIVE_TIMEOUT_MS", 10_000, { min: 100 }),
  };
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
  const keepalive = options.keepalive ?? keepaliveFromEnv();
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
      const metadata = new grpc.Metadata();
      new Headers(header).forEach((value, key) => metadata.set(key, value));
      const deadline = Date.now() + (timeoutMs ?? options.defaultTimeoutMs);
      return new Promise((resolve, reject) => {
        if (signal?.aborted) {
          reject(new ConnectError("call aborted", Code.Canceled));
          return;
        }
        let responseHeader = new Headers();
        const call = client.makeUnaryRequest(
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
            resolve({
              stream: false,
              service: method.parent,
              method,
              header: responseHeader,
              message: message!,
              trailer: new Headers(),
            });
          },
        );
        const cancel = () => call.cancel();
        signal?.addEventListener("abort", cancel, { once: true });
        call.on("metadata", (received) => {
          responseHeader = new Headers();
          for (const [key, value] of Object.entries(received.getMap())) {
            if (typeof value === "string") responseHeader.set(key, value);
          }
        });
      });
    },
    stream() {
      return Promise.reject(new ConnectError("streaming calls are not used between Gatehouse services", Code.Unimplemented));
    },
    close() {
      client.close();
    },
  };
}
