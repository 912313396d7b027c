import { createServer, type Server } from "node:http";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import type { MetricsValues } from "./settings.js";

/** The Prometheus metrics of one service process. */
export interface Metrics {
  registry: Registry;
  /** RPCs served, by method and gRPC code. */
  rpcs: Counter<"method" | "code">;
  /** RPC latency in seconds, by method and gRPC code. */
  rpcSeconds: Histogram<"method" | "code">;
}

/** A registry with the process's default metrics and the RPC metrics every service records. */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    rpcs: new Counter({ name: "gatehouse_rpcs_total", help: "RPCs served, by method and gRPC code", labelNames: ["method", "code"], registers: [registry] }),
    rpcSeconds: new Histogram({
      name: "gatehouse_rpc_seconds",
      help: "RPC latency in seconds, by method and gRPC code",
      labelNames: ["method", "code"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}

/** A counter registered with a service's metrics. */
export function registerCounter<Label extends string>(metrics: Metrics, name: string, help: string, labelNames: readonly Label[]): Counter<Label> {
  return new Counter({ name, help, labelNames, registers: [metrics.registry] });
}

/** Serves GET /metrics in the Prometheus text format on host:port (0 for a free port). */
export function serveMetrics(registry: Registry, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    if (request.method !== "GET" || request.url !== "/metrics") {
      response.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({
        port: typeof address === "object" && address !== null ? address.port : port,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

/** A service's metrics and the /metrics endpoint that serves them. */
export interface MetricsEndpoint {
  metrics: Metrics;
  /** host:port. */
  address: string;
  close(): Promise<void>;
}

/**
 * Metrics for a service process when METRICS_PORT is set (`metricsSettings`) (0 picks a free
 * port): the registry, served at http://METRICS_HOST:port/metrics. Unset, no
 * metrics are kept.
 */
export async function startMetrics(service: string, values: MetricsValues): Promise<MetricsEndpoint | undefined> {
  if (values.metricsPort === undefined) return undefined;
  const metrics = createMetrics(service);
  const served = await serveMetrics(metrics.registry, values.metricsHost, values.metricsPort);
  return { metrics, address: `${values.metricsHost}:${served.port}`, close: served.close };
}
