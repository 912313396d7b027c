import { AuthnService } from "@gatehouse/contracts";
import { startGrpcServiceServer, type GrpcServiceServer, type GrpcServiceServerOptions } from "@gatehouse/server";
import { createAuthnService, type AuthnServiceDeps } from "./authn-service.js";

/**
 * Starts the authn gRPC server once its identity cache is connected (or has
 * given up waiting). It reports SERVING whether or not Redis answers: Redis
 * only caches, and authn verifies directly without it.
 */
export async function startAuthnServer(deps: AuthnServiceDeps, options: Omit<GrpcServiceServerOptions, "logger">): Promise<GrpcServiceServer> {
  await deps.cache.start();
  const server = await startGrpcServiceServer([{ service: AuthnService, impl: createAuthnService(deps) }], { ...options, logger: deps.logger });
  server.health.setServing(true);
  return {
    ...server,
    async stop(graceMs) {
      await server.stop(graceMs);
      await deps.cache.close();
    },
  };
}
