import type * as grpc from "@grpc/grpc-js";
import { createClient, type Client } from "@connectrpc/connect";
import { AuthzService } from "@gatehouse/contracts";
import { createGrpcTransport } from "../grpc-transport.js";
import { listen, shutdown } from "../listen.js";

/**
 * Binds `server` (AuthzService already registered) to a free loopback port
 * and returns a client of it over the services' own gRPC transport. The
 * step that closes both is pushed onto `cleanups`, which the test file
 * runs after each test.
 */
export async function authzClientOn(server: grpc.Server, cleanups: (() => Promise<void>)[]): Promise<Client<typeof AuthzService>> {
  const port = await listen(server, "127.0.0.1", 0);
  const transport = createGrpcTransport({ target: `127.0.0.1:${port}`, defaultTimeoutMs: 10_000 });
  cleanups.push(async () => {
    transport.close();
    await shutdown(server, 100);
  });
  return createClient(AuthzService, transport);
}
