import { AuthzService } from "@gatehouse/contracts";
import { startGrpcServiceServer, type GrpcServiceServer, type GrpcServiceServerOptions } from "@gatehouse/server";
import { createAuthzService, type AuthzServiceDeps } from "./authz-service.js";

/**
 * Starts the authz gRPC server. authz depends on nothing but its loaded
 * handlers, so it reports SERVING as soon as it listens.
 */
export async function startAuthzServer(deps: AuthzServiceDeps, options: Omit<GrpcServiceServerOptions, "logger">): Promise<GrpcServiceServer> {
  const server = await startGrpcServiceServer([{ service: AuthzService, impl: createAuthzService(deps) }], { ...options, logger: deps.logger });
  server.health.setServing(true);
  return server;
}
