import * as http2 from "node:http2";
import * as grpc from "@grpc/grpc-js";

/** Latency percentiles and throughput of one load run. */
export interface LoadResult {
  calls: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  callsPerSecond: number;
}

/** One unary call to drive: its path, and a request body and headers per call (pre-encoded, so the client costs little). */
export interface LoadTarget {
  path: string;
  request: (i: number) => Buffer;
  headers: (i: number) => Record<string, string>;
}

/** Makes call number i of a target, resolving when it succeeded and rejecting with its status otherwise. */
export interface UnaryCaller {
  call(target: LoadTarget, i: number): Promise<void>;
  close(): void;
}

/** What one load run saw, call by call: enough to merge several runs into one result. */
export interface LoadSample {
  /** Each call's latency in ms. */
  latencies: number[];
  errors: number;
  elapsedMs: number;
}

/**
 * Keeps `concurrency` calls in flight for `durationMs` and measures each
 * one's latency. Bounded in time; loopback only.
 */
export async function runCalls(call: (i: number) => Promise<unknown>, concurrency: number, durationMs: number): Promise<LoadResult> {
  return summarizeSamples([await sampleCalls(call, concurrency, durationMs)]);
}

/** Like runCalls, but answers every latency, so that runs taken in turns with other work can be merged (summarizeSamples). */
export async function sampleCalls(call: (i: number) => Promise<unknown>, concurrency: number, durationMs: number, firstCall = 0): Promise<LoadSample> {
  const latencies: number[] = [];
  let errors = 0;
  let issued = firstCall;
  let firstError: unknown;
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const i = issued++;
      const begin = performance.now();
      try {
        await call(i);
      } catch (error) {
        errors += 1;
        firstError ??= error;
      }
      latencies.push(performance.now() - begin);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  if (firstError !== undefined) console.error(`  first error: ${firstError instanceof Error ? firstError.message : String(firstError)}`);
  return { latencies, errors, elapsedMs };
}

/** One result from several samples: their calls and errors added up, percentiles over all their calls, throughput over their summed time. */
export function summarizeSamples(samples: readonly LoadSample[]): LoadResult {
  const latencies = samples.flatMap((sample) => sample.latencies).sort((a, b) => a - b);
  const elapsedMs = samples.reduce((sum, sample) => sum + sample.elapsedMs, 0);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return {
    calls: latencies.length,
    errors: samples.reduce((sum, sample) => sum + sample.errors, 0),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    callsPerSecond: elapsedMs > 0 ? (latencies.length / elapsedMs) * 1000 : 0,
  };
}

/** Drives one target through a caller: `runCalls` for gRPC. */
export function runLoad(caller: UnaryCaller, target: LoadTarget, concurrency: number, durationMs: number): Promise<LoadResult> {
  return runCalls((i) => caller.call(target, i), concurrency, durationMs);
}

/**
 * The load generator's gRPC client: unary calls over one HTTP/2 connection
 * with node:http2 and nothing else (length-prefixed frames, the status from
 * the trailers). Client and services share two cores here, and this costs
 * about half the CPU per call of a general-purpose client such as grpc-js,
 * so more of the machine measures Gatehouse rather than the load generator.
 */
export async function connectLeanGrpc(address: string): Promise<UnaryCaller> {
  const session = http2.connect(`http://${address}`);
  await new Promise<void>((resolve, reject) => {
    session.once("connect", () => resolve());
    session.once("error", reject);
  });
  return {
    call(target, i) {
      const message = target.request(i);
      const frame = Buffer.allocUnsafe(5 + message.length);
      frame.writeUInt8(0, 0);
      frame.writeUInt32BE(message.length, 1);
      message.copy(frame, 5);
      return new Promise((resolve, reject) => {
        const stream = session.request({
          ":method": "POST",
          ":path": target.path,
          "content-type": "application/grpc",
          te: "trailers",
          ...target.headers(i),
        });
        let status: string | undefined;
        let detail = "";
        // A trailers-only answer (an error before any message) carries the status in the headers.
        const readStatus = (headers: http2.IncomingHttpHeaders) => {
          if (headers["grpc-status"] === undefined) return;
          status = String(headers["grpc-status"]);
          detail = decodeURIComponent(String(headers["grpc-message"] ?? ""));
        };
        stream.on("response", readStatus);
        stream.on("trailers", readStatus);
        stream.on("data", () => {});
        stream.on("error", reject);
        stream.on("close", () => (status === "0" ? resolve() : reject(new Error(`${grpc.status[Number(status)] ?? `status ${status}`}: ${detail}`))));
        stream.end(frame);
      });
    },
    close: () => session.close(),
  };
}

/** The same calls through a grpc-js client, for comparison with what a typical client costs. */
export function grpcJsCaller(address: string): UnaryCaller {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return {
    call(target, i) {
      const metadata = new grpc.Metadata();
      for (const [name, value] of Object.entries(target.headers(i))) metadata.set(name, value);
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          target.path,
          (bytes: Buffer) => bytes,
          (bytes: Buffer) => bytes,
          target.request(i),
          metadata,
          { deadline: Date.now() + 10_000 },
          (error) => (error ? reject(new Error(`${grpc.status[error.code]}: ${error.details}`)) : resolve()),
        );
      });
    },
    close: () => client.close(),
  };
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
