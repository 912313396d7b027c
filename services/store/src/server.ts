import * as grpc from "@grpc/grpc-js";
import { listen, registerService, serverOptions, shutdown, type Logger } from "@gatehouse/server";
import { routes, type StoreDeps } from "./routes.js";

/** Starts the store gRPC server on host:port (0 for a free port). */
export async function startStoreServer(deps: StoreDeps, logger: Logger, host: string, port: number) {
  const server = new grpc.Server(serverOptions);
  for (const { service, impl } of routes(deps)) registerService(server, service, impl, { logger });
  const boundPort = await listen(server, host, port);
  return { port: boundPort, stop: () => shutdown(server, 10_000) };
}
