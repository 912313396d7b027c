import * as grpc from "@grpc/grpc-js";
import { AuthzService } from "@gatehouse/contracts";
import {
  addOperations,
  defaultServerLimits,
  listen,
  registerService,
  serverOptionsFor,
  shutdown,
  type InternalServerSecurity,
  type Metrics,
  type ServerLimits,
} from "@gatehouse/server";
import { createAuthzService, type AuthzServiceDeps } from "./authz-service.js";

/** What the authz server records and enforces besides its service's deps. */
export interface AuthzServerOptions {
  /** Where every call's method, code and latency are counted, when given. */
  metrics?: Metrics;
  limits?: ServerLimits;
  /** Mutual TLS answering allowed callers only; plaintext when unset. */
  security?: InternalServerSecurity;
}

/** Starts the authz gRPC server on host:port (0 for a free port). */
export async function startAuthzServer(
  deps: AuthzServiceDeps,
  host: string,
  port: number,
  { metrics, limits = defaultServerLimits, security }: AuthzServerOptions = {},
) {
  const server = new grpc.Server(serverOptionsFor(limits, security?.interceptors));
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
