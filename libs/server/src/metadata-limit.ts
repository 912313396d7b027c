import * as grpc from "@grpc/grpc-js";
import { Code } from "@connectrpc/connect";
import { ErrorReason, gatehouseError } from "@gatehouse/errors";
import { statusFromConnectError } from "./status-details.js";

/**
 * The size of request metadata as HTTP/2 counts a header list (RFC 9113
 * §6.5.2): each entry's name and value in bytes, plus 32.
 */
export function metadataSize(metadata: grpc.Metadata): number {
  let size = 0;
  for (const [name, values] of Object.entries(metadata.toJSON())) {
    for (const value of values) size += Buffer.byteLength(name) + (typeof value === "string" ? Buffer.byteLength(value) : value.length) + 32;
  }
  return size;
}

/**
 * A server interceptor that ends a call whose request metadata is larger than
 * maxBytes with RESOURCE_EXHAUSTED and an ErrorInfo (reason
 * METADATA_TOO_LARGE, metadata `limit_bytes`), before its message is read or
 * any handler runs. grpc-js itself has no server-side metadata limit, and
 * Node's HTTP/2 layer only resets a stream one of whose header fields is more
 * than 64 KiB once HPACK-encoded, which clients report as INTERNAL (README,
 * Limits); this gives a clear answer below that.
 */
export function metadataLimit(maxBytes: number): grpc.ServerInterceptor {
  return (_method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start(next) {
        next(
          new grpc.ServerListenerBuilder()
            .withOnReceiveMetadata((metadata, pass) => {
              const size = metadataSize(metadata);
              if (size <= maxBytes) pass(metadata);
              else call.sendStatus(metadataTooLarge(size, maxBytes));
            })
            .build(),
        );
      },
    });
}

/** The status of a call whose metadata is over the limit, with the same ErrorInfo any Gatehouse error carries. */
function metadataTooLarge(size: number, maxBytes: number): { code: grpc.status; details: string; metadata: grpc.Metadata } {
  const error = gatehouseError(Code.ResourceExhausted, ErrorReason.METADATA_TOO_LARGE, `request metadata is ${size} bytes; the limit is ${maxBytes}`, {
    limit_bytes: String(maxBytes),
  });
  const status = statusFromConnectError(error);
  return { code: status.code!, details: status.details!, metadata: status.metadata! };
}
