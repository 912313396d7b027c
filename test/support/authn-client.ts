import { createClient, type Client } from "@connectrpc/connect";
import { AuthnService } from "@gatehouse/contracts";
import { createGrpcTransport, type ClosableTransport, type GrpcTransportOptions } from "@gatehouse/server";

/** A client of one authn process, as the store has, for calling Authenticate and RevokeCredential directly. */
export interface AuthnClient {
  client: Client<typeof AuthnService>;
  close(): void;
}

/** Connects to authn at `address`; pass `credentials` (e.g. internalChannelCredentials) when it serves mutual TLS. */
export function authnClient(address: string, credentials?: GrpcTransportOptions["credentials"]): AuthnClient {
  const transport: ClosableTransport = createGrpcTransport({ target: address, defaultTimeoutMs: 10_000, credentials });
  return { client: createClient(AuthnService, transport), close: () => transport.close() };
}
