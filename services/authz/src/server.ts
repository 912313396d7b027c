import * as grpc from "@grpc/grpc-js";
import { AuthzService } from "@gatehouse/contracts";
import { addOperations, listen, registerService, serverOptions, shutdown, type InternalServerSecurity, type Metrics } from "@gatehouse/server";
import { createAuthzService, type AuthzServiceDeps } from "./authz-service.js";

/**
 * Starts the authz gRPC server on host:port (0 for a free port): plaintext,
 * or with `security`, mutual TLS answering allowed callers only.
 */
export async function startAuthzServer(deps: AuthzServiceDeps, host: string, port: number, metrics?: Metrics, security?: InternalServerSecurity) {
  const server = new grpc.Server({ ...serverOptions, interceptors: security?.interceptors ?? [] });
  registerService(server, AuthzService, createAuthzService(deps), { logger: deps.logger, metrics });
  const health = addOperations(server, [AuthzService]);
  const boundPort = await listen(server, host, port, security?.credentials);
  // authz depends on nothing but its loaded handlers: it serves as soon as it listens.
  health.setServing(true);
  return {
    port: boundPort,
    async stop(graceMs: number) {
      health.setServing(false);
      await shutdown(server, graceMs);
    },
  };
}
