import * as grpc from "@grpc/grpc-js";
import { AuthnService } from "@gatehouse/contracts";
import { listen, registerService, serverOptions, shutdown, type InternalServerSecurity } from "@gatehouse/server";
import { createAuthnService, type AuthnServiceDeps } from "./authn-service.js";

/** A running authn server. */
export interface RunningServer {
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts the authn gRPC server on host:port (0 for a free port): plaintext,
 * or with `security`, mutual TLS answering allowed callers only.
 */
export async function startAuthnServer(
  deps: AuthnServiceDeps,
  host: string,
  port: number,
  security?: InternalServerSecurity,
): Promise<RunningServer> {
  const server = new grpc.Server({ ...serverOptions, interceptors: security?.interceptors ?? [] });
  registerService(server, AuthnService, createAuthnService(deps), { logger: deps.logger });
  await deps.cache.start();
  const boundPort = await listen(server, host, port, security?.credentials);
  return {
    port: boundPort,
    async stop() {
      await shutdown(server, 10_000);
      await deps.cache.close();
    },
  };
}
