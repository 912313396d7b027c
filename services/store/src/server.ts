import * as grpc from "@grpc/grpc-js";
import {
  addOperations,
  defaultServerLimits,
  listen,
  registerService,
  serverOptionsFor,
  shutdown,
  type HealthReporter,
  type RegisterServiceOptions,
  type ServerLimits,
} from "@gatehouse/server";
import { routes, type StoreDeps } from "./routes.js";

/** A running store server. */
export interface StoreServer {
  port: number;
  health: HealthReporter;
  /** Finishes in-flight calls within graceMs, refusing new ones. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Starts the store gRPC server on host:port (0 for a free port), NOT_SERVING
 * until told otherwise, enforcing the given message, metadata and stream limits.
 */
export async function startStoreServer(
  deps: StoreDeps,
  options: RegisterServiceOptions,
  host: string,
  port: number,
  limits: ServerLimits = defaultServerLimits,
): Promise<StoreServer> {
  const server = new grpc.Server(serverOptionsFor(limits));
  const served = routes(deps);
  for (const { service, impl } of served) registerService(server, service, impl, options);
  const health = addOperations(server, served.map(({ service }) => service));
  const boundPort = await listen(server, host, port);
  return { port: boundPort, health, stop: (graceMs) => shutdown(server, graceMs) };
}
