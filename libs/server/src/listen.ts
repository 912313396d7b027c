import * as grpc from "@grpc/grpc-js";
import { envInt } from "./env.js";
import { metadataLimit } from "./metadata-limit.js";

/**
 * Binds a grpc-js server to host:port (port 0 picks a free one) and resolves
 * with the bound port. Plaintext unless `credentials` say otherwise.
 */
export function listen(
  server: grpc.Server,
  host: string,
  port: number,
  credentials: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure(),
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, credentials, (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });
}

/** Stops accepting calls and waits for in-flight calls, up to graceMs; then cancels the rest. */
export function shutdown(server: grpc.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The request limits of a gRPC server. */
export interface ServerLimits {
  /** The largest request message, in bytes; larger is RESOURCE_EXHAUSTED. */
  maxMessageBytes: number;
  /** The largest request metadata (HTTP/2 header list size), in bytes; larger is RESOURCE_EXHAUSTED. */
  maxMetadataBytes: number;
  /** The most calls in flight on one connection; a client queues the rest. */
  maxConcurrentStreams: number;
}

/** The limits a service has unless its environment says otherwise. */
export const defaultServerLimits: ServerLimits = {
  maxMessageBytes: 4 * 1024 * 1024,
  maxMetadataBytes: 32 * 1024,
  maxConcurrentStreams: 1_000,
};

/**
 * How far past `maxMessageBytes` grpc-js still reads a request message. Up to
 * the limit plus this, registerService answers an oversized message itself,
 * with an ErrorInfo; beyond it grpc-js refuses the message from its length
 * prefix, before buffering it, with a status no code of ours can add a detail
 * to (README, Limits).
 */
export const messageSlackBytes = 1024 * 1024;

/**
 * The grpc-js server options that enforce these limits. Responses may be
 * larger than requests (a search page), up to 16 MiB.
 */
export function serverOptionsFor(limits: ServerLimits, interceptors: readonly grpc.ServerInterceptor[] = []): grpc.ServerOptions {
  return {
    "grpc.max_receive_message_length": limits.maxMessageBytes + messageSlackBytes,
    "grpc.max_send_message_length": 16 * 1024 * 1024,
    "grpc.max_concurrent_streams": limits.maxConcurrentStreams,
    // The given ones (such as the internal caller check) first: an untrusted caller is refused before anything else.
    interceptors: [...interceptors, metadataLimit(limits.maxMetadataBytes)],
  };
}

/**
 * The limits of this process's gRPC server: GATEHOUSE_MAX_MESSAGE_BYTES,
 * GATEHOUSE_MAX_METADATA_BYTES and GATEHOUSE_MAX_CONCURRENT_STREAMS, each
 * falling back to defaultServerLimits. A value out of range stops the service
 * at start-up. Metadata is capped at 64 KiB because Node's HTTP/2 layer
 * resets the connection when one header field is larger than that once
 * HPACK-encoded, before grpc-js sees the call (README, Limits).
 */
export function serverLimitsFromEnv(): ServerLimits {
  return {
    maxMessageBytes: envInt("GATEHOUSE_MAX_MESSAGE_BYTES", defaultServerLimits.maxMessageBytes, { min: 1024, max: 1024 * 1024 * 1024 }),
    maxMetadataBytes: envInt("GATEHOUSE_MAX_METADATA_BYTES", defaultServerLimits.maxMetadataBytes, { min: 1024, max: 64 * 1024 }),
    maxConcurrentStreams: envInt("GATEHOUSE_MAX_CONCURRENT_STREAMS", defaultServerLimits.maxConcurrentStreams, { min: 1, max: 2 ** 31 - 1 }),
  };
}

/** The limits from the values of `serverLimitSettings`. */
export function serverLimitsOf(values: ServerLimits): ServerLimits {
  return { maxMessageBytes: values.maxMessageBytes, maxMetadataBytes: values.maxMetadataBytes, maxConcurrentStreams: values.maxConcurrentStreams };
}
