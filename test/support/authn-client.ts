import { createClient, type Client } from "@connectrpc/connect";
import { AuthnService } from "@gatehouse/contracts";
import { createGrpcTransport, type ClosableTransport } from "@gatehouse/server";

/** A client of one authn process, as the store has, for calling Authenticate and RevokeCredential directly. */
export interface AuthnClient {
  client: Client<typeof AuthnService>;
  close(): void;
}

export function authnClient(address: string): AuthnClient {
  const transport: ClosableTransport = createGrpcTransport({ target: address, defaultTimeoutMs: 10_000 });
  return { client: createClient(AuthnService, transport), close: () => transport.close() };
}
