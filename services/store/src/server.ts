import { startGrpcServiceServer, type GrpcServiceServer, type GrpcServiceServerOptions } from "@gatehouse/server";
import { routes, type StoreDeps } from "./routes.js";

/** Starts the store gRPC server, NOT_SERVING until told otherwise (it follows Postgres). */
export function startStoreServer(deps: StoreDeps, options: GrpcServiceServerOptions): Promise<GrpcServiceServer> {
  return startGrpcServiceServer(routes(deps), options);
}
