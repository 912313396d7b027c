import { WorkerService } from "@gatehouse/contracts";
import { startGrpcServiceServer, type GrpcServiceServer, type GrpcServiceServerOptions } from "@gatehouse/server";
import { createWorkerService, type WorkerServiceDeps } from "./worker-service.js";

/**
 * Starts the worker's gRPC server (WorkerService). It reports SERVING as soon
 * as it listens: its graphs are loaded and its checkpoint tables set up
 * before it starts.
 */
export async function startWorkerServer(deps: WorkerServiceDeps, options: GrpcServiceServerOptions): Promise<GrpcServiceServer> {
  const server = await startGrpcServiceServer([{ service: WorkerService, impl: createWorkerService(deps) }], options);
  server.health.setServing(true);
  return server;
}
