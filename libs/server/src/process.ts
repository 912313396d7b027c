import type { Logger } from "./logger.js";

/** A started service: where it listens and how to stop it. */
export interface RunningService {
  /** host:port. */
  address: string;
  /** host:port of the /metrics endpoint, when metrics are served. */
  metricsAddress?: string;
  stop(): Promise<void>;
}

/** How a service process behaves once started (processSettings). */
export interface RunOptions {
  /** Keep source-mapped stack traces after start-up. */
  sourceMaps?: boolean;
  /** Stop, as on SIGTERM, when standard input ends: the launcher holds it open while it lives. */
  stopWithLauncher?: boolean;
}

/**
 * Runs a service's start-up and then waits for SIGTERM/SIGINT to stop it.
 * Once listening it prints `gatehouse <name> listening on <host:port>` on
 * stdout whatever the log level, for people and for launchers. A start-up
 * failure prints its message (such as a broken auth module) and exits 1.
 */
export async function runService(name: string, logger: Logger, start: () => Promise<RunningService>, options: RunOptions = {}): Promise<void> {
  let running: RunningService;
  try {
    running = await start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal({ err: error instanceof Error && error.name !== "ConfigError" ? error : undefined }, `cannot start: ${message}`);
    process.stderr.write(`cannot start: ${message}\n`);
    process.exit(1);
  }
  if (options.sourceMaps !== true) {
    // The TypeScript loader maps every stack trace through source maps; grpc-js
    // captures one per call, which costs a fifth of its throughput. Start-up is
    // over, so stack traces in logs point at the transpiled lines from here on.
    process.setSourceMapsEnabled(false);
  }
  if (running.metricsAddress !== undefined) process.stdout.write(`gatehouse ${name} metrics on ${running.metricsAddress}\n`);
  process.stdout.write(`gatehouse ${name} listening on ${running.address}\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    await running.stop();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  if (options.stopWithLauncher === true) {
    // A launcher that is killed outright (SIGKILL, a crash) cannot signal its services; its end of
    // this pipe closes with it all the same, and the service drains and exits instead of living on.
    process.stdin.once("end", () => void stop("end of standard input"));
    process.stdin.once("error", () => void stop("end of standard input"));
    process.stdin.resume();
  }
}

/**
 * Reads a service's config table (`defineConfig`) once at start-up; a bad variable prints
 * `cannot start: <service>: <every bad variable>` and exits 1, as a start-up
 * failure does.
 */
export function readConfigOrExit<T>(table: { read(env?: NodeJS.ProcessEnv): T }, env: NodeJS.ProcessEnv = process.env): T {
  try {
    return table.read(env);
  } catch (error) {
    process.stderr.write(`cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
