import { pino, type Logger } from "pino";

export type { Logger };

/**
 * The structured JSON logger every service writes to. The level comes from
 * LOG_LEVEL (`processSettings`) (default "info"; tests set "silent"). Credential headers are redacted
 * wherever they appear, as a second line of defence: code never logs them.
 */
export function createLogger(service: string, level = "info"): Logger {
  return pino(
    {
      name: service,
      level,
      redact: { paths: ["authorization", "*.authorization", "headers.*", "*.headers.*"], censor: "[redacted]" },
    },
    // Asynchronous writes: lines logged while a write is in flight leave together in the next one,
    // so an audit line per decision does not cost a write(2) per request under load.
    destination,
  );
}

const destination = pino.destination({ dest: 1, sync: false });
// Whatever is buffered still reaches stdout when the process exits.
process.once("exit", () => destination.flushSync());
