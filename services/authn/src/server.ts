import * as grpc from "@grpc/grpc-js";
import { AuthnService } from "@gatehouse/contracts";
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
import { createAuthnService, type AuthnServiceDeps } from "./authn-service.js";

/** A running authn server. */
export interface RunningServer {
  port: number;
  stop(): Promise<void>;
}

/** What the authn server records and enforces besides its service's deps. */
export interface AuthnServerOptions {
  /** Where every call's method, code and latency are counted, when given. */
  metrics?: Metrics;
  limits?: ServerLimits;
  /** Mutual TLS answering allowed callers only; plaintext when unset. */
  security?: InternalServerSecurity;
}

/** Starts the authn gRPC server on host:port (0 for a free port), with health and reflection. */
export async function startAuthnServer(
  deps: AuthnServiceDeps,
  host: string,
  port: number,
  { metrics, limits = defaultServerLimits, security }: AuthnServerOptions = {},
): Promise<RunningServer> {
  const server = new grpc.Server(serverOptionsFor(limits, security?.interceptors));
  registerService(server, AuthnService, createAuthnService(deps), { logger: deps.logger, metrics });
  const health = addOperations(server, [AuthnService]);
  await deps.cache.start();
  const boundPort = await listen(server, host, port, security?.credentials);
  // Serving whether or not Redis answers: it only caches, and authn verifies directly without it.
  health.setServing(true);
  return {
    port: boundPort,
    async stop() {
      health.setServing(false);
      await shutdown(server, 10_000);
      await deps.cache.close();
    },
  };
}
