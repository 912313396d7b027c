import * as grpc from "@grpc/grpc-js";

/** Latency percentiles and throughput of one load run. */
export interface LoadResult {
  calls: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  callsPerSecond: number;
}

/** One unary call to drive: its path and a request body per call (pre-encoded, so the client costs little). */
export interface LoadTarget {
  path: string;
  request: (i: number) => Buffer;
  metadata: (i: number) => grpc.Metadata;
}

/**
 * Drives `concurrency` calls in flight for `durationMs` through one grpc-js
 * channel and measures each call's latency. Bounded in time; loopback only.
 */
export async function runLoad(client: grpc.Client, target: LoadTarget, concurrency: number, durationMs: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let issued = 0;
  let firstError: grpc.ServiceError | undefined;
  const deadline = performance.now() + durationMs;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() < deadline) {
      const i = issued++;
      const begin = performance.now();
      const error = await new Promise<grpc.ServiceError | null>((resolve) => {
        client.makeUnaryRequest(
          target.path,
          (bytes: Buffer) => bytes,
          (bytes: Buffer) => bytes,
          target.request(i),
          target.metadata(i),
          { deadline: Date.now() + 10_000 },
          (err) => resolve(err),
        );
      });
      latencies.push(performance.now() - begin);
      if (error) {
        errors += 1;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  if (firstError) console.error(`  first error: ${grpc.status[firstError.code]} ${firstError.details}`);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { calls: latencies.length, errors, p50Ms: at(0.5), p99Ms: at(0.99), callsPerSecond: (latencies.length / elapsedMs) * 1000 };
}

/** Formats one result row. */
export function formatResult(name: string, concurrency: number, result: LoadResult): string {
  return [
    name.padEnd(34),
    String(concurrency).padStart(3),
    result.p50Ms.toFixed(2).padStart(8),
    result.p99Ms.toFixed(2).padStart(8),
    Math.round(result.callsPerSecond).toString().padStart(8),
    String(result.calls).padStart(8),
    String(result.errors).padStart(6),
  ].join("  ");
}

export const resultHeader = ["scenario".padEnd(34), "inf", "p50 ms".padStart(8), "p99 ms".padStart(8), "calls/s".padStart(8), "calls".padStart(8), "errors".padStart(6)].join("  ");
