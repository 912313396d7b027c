import type { Logger } from "./logger.js";

/**
 * Runs a service's start-up and then waits for SIGTERM/SIGINT to stop it.
 * A start-up failure prints its message (such as a broken auth module) and
 * exits 1, without a stack trace for configuration errors.
 */
export async function runService(
  logger: Logger,
  start: () => Promise<{ stop: () => Promise<void> }>,
): Promise<void> {
  let running: { stop: () => Promise<void> };
  try {
    running = await start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal({ err: error instanceof Error && error.name !== "ConfigError" ? error : undefined }, `cannot start: ${message}`);
    process.stderr.write(`cannot start: ${message}\n`);
    process.exit(1);
  }
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
}
