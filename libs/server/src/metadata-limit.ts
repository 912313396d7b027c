import * as grpc from "@grpc/grpc-js";

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
 * maxBytes with RESOURCE_EXHAUSTED, before its message is read or any handler
 * runs. grpc-js itself ignores `grpc.max_metadata_size` on servers, and Node's
 * HTTP/2 layer only resets streams whose encoded header block passes about
 * 64 KiB, which clients report as INTERNAL; this gives a clear answer below that.
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
              else call.sendStatus({ code: grpc.status.RESOURCE_EXHAUSTED, details: `request metadata is ${size} bytes; the limit is ${maxBytes}` });
            })
            .build(),
        );
      },
    });
}
