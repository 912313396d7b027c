import { Metadata, type StatusObject } from "@grpc/grpc-js";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { StatusSchema } from "@gatehouse/contracts";

const detailsKey = "grpc-status-details-bin";

/**
 * Turns a ConnectError into the gRPC status grpc-js sends: the code, the
 * message, the error's headers as trailers, and its details as a
 * google.rpc.Status in grpc-status-details-bin, where every gRPC client
 * library looks for them.
 */
export function statusFromConnectError(error: ConnectError): Partial<StatusObject> {
  const trailers = new Metadata();
  error.metadata.forEach((value, key) => trailers.set(key, value));
  const details = error.details.map((detail) =>
    "desc" in detail
      ? anyPack(detail.desc, create(detail.desc, detail.value))
      : { $typeName: "google.protobuf.Any" as const, typeUrl: `type.googleapis.com/${detail.type}`, value: detail.value },
  );
  if (details.length > 0) {
    const status = create(StatusSchema, { code: error.code, message: error.rawMessage, details });
    trailers.set(detailsKey, Buffer.from(toBinary(StatusSchema, status)));
  }
  return { code: error.code as number, details: error.rawMessage, metadata: trailers };
}

/** Rebuilds the ConnectError a grpc-js client received, details included. */
export function connectErrorFromStatus(status: { code: number; details: string; metadata?: Metadata }): ConnectError {
  const headers = new Headers();
  const details: { type: string; value: Uint8Array }[] = [];
  for (const [key, value] of Object.entries(status.metadata?.getMap() ?? {})) {
    if (key === detailsKey && Buffer.isBuffer(value)) {
      for (const any of fromBinary(StatusSchema, value).details) {
        details.push({ type: any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1), value: any.value });
      }
    } else if (typeof value === "string") {
      headers.set(key, value);
    }
  }
  // ConnectError copies its headers when constructed: fill them first.
  const error = new ConnectError(status.details, status.code as Code, headers);
  error.details.push(...details);
  return error;
}
