import * as grpc from "@grpc/grpc-js";
import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type { InternalServerSecurity } from "./internal-tls.js";
import { defaultServerLimits, listen, serverOptionsFor, shutdown, type ServerLimits } from "./listen.js";
import type { Logger } from "./logger.js";
import type { Metrics, MetricsEndpoint } from "./metrics.js";
import { addOperations, type HealthReporter } from "./operations.js";
import { registerService } from "./grpc-server.js";
import type { RunningService } from "./process.js";

/** A service and its implementation, ready to register on any server or router. */
export interface Route<S extends DescService = DescService> {
  service: S;
  impl: ServiceImpl<S>;
}

/** How a service process serves its gRPC services. */
export interface GrpcServiceServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Where unexpected errors are logged. */
  logger: Logger;
  /** Where every call's method, code and latency are counted, when given. */
  metrics?: Metrics;
  /** Message, metadata and stream limits; the defaults when unset. */
  limits?: ServerLimits;
  /** Mutual TLS answering allowed callers only; plaintext when unset. */
  security?: InternalServerSecurity;
}

/** A listening server: its port, its health status, and how to stop it. */
export interface GrpcServiceServer {
  port: number;
  health: HealthReporter;
  /** Reports NOT_SERVING, refuses new calls and finishes in-flight ones within graceMs. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Serves routes on one grpc-js server the way every Gatehouse service does:
 * with its limits, health (NOT_SERVING until the caller says otherwise) and
 * reflection, and, when given, mutual TLS.
 */
export async function startGrpcServiceServer(routes: readonly Route[], options: GrpcServiceServerOptions): Promise<GrpcServiceServer> {
  const limits = options.limits ?? defaultServerLimits;
  const server = new grpc.Server(serverOptionsFor(limits, options.security?.interceptors));
  for (const { service, impl } of routes) {
    registerService(server, service, impl, { logger: options.logger, metrics: options.metrics, maxMessageBytes: limits.maxMessageBytes });
  }
  const health = addOperations(server, routes.map(({ service }) => service));
  const port = await listen(server, options.host, options.port, options.security?.credentials);
  return {
    port,
    health,
    async stop(graceMs) {
      // Balancers watching health stop sending first; then in-flight calls finish.
      health.setServing(false);
      await shutdown(server, graceMs);
    },
  };
}

/**
 * A started gRPC service as runService runs it: where it listens and serves
 * metrics, and a stop that drains within graceMs (GATEHOUSE_SHUTDOWN_GRACE_MS,
 * read with the rest of the configuration at start-up), then closes the
 * metrics endpoint.
 */
export function runningGrpcService(host: string, server: GrpcServiceServer, metrics: MetricsEndpoint | undefined, graceMs: number): RunningService {
  return {
    address: `${host}:${server.port}`,
    metricsAddress: metrics?.address,
    async stop() {
      await server.stop(graceMs);
      await metrics?.close();
    },
  };
}
