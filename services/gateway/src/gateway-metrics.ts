import { Counter, Histogram } from "prom-client";
import type { Metrics } from "@gatehouse/server";

/** The gateway's HTTP metrics, labelled by route pattern, never by raw path. */
export interface GatewayMetrics {
  /** Records one answered request. */
  record(method: string, route: string, status: number, seconds: number): void;
}

/**
 * Registers HTTP request counts and latency by method, route pattern (such
 * as `/threads/:thread_id`; `(custom route)` for any path the custom
 * routes' app serves, or `(none)` for a path no route matches) and
 * status. Patterns keep the label set bounded whatever paths callers send.
 */
export function createGatewayMetrics(metrics: Metrics): GatewayMetrics {
  const labelNames = ["method", "route", "status"] as const;
  const requests = new Counter({
    name: "gatehouse_http_requests_total",
    help: "HTTP requests answered, by method, route pattern and status",
    labelNames,
    registers: [metrics.registry],
  });
  const latency = new Histogram({
    name: "gatehouse_http_request_seconds",
    help: "HTTP request latency in seconds, by method, route pattern and status",
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [metrics.registry],
  });
  return {
    record(method, route, status, seconds) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
  };
}
