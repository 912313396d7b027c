import type { Logger } from "./logger.js";

/** A running dependency check; stop it on shutdown. */
export interface DependencyWatch {
  stop(): void;
}

/**
 * Probes a dependency every `intervalMs` and reports when its state changes,
 * so health reflects reality within one interval and recovers by itself
 * when the dependency comes back.
 */
export function watchDependency(options: {
  name: string;
  probe: () => Promise<void>;
  intervalMs: number;
  logger: Logger;
  onChange: (up: boolean) => void;
}): DependencyWatch {
  let up: boolean | undefined;
  let stopped = false;
  const check = async () => {
    let nowUp = true;
    try {
      await options.probe();
    } catch {
      nowUp = false;
    }
    if (stopped || nowUp === up) return;
    up = nowUp;
    if (nowUp) options.logger.info({ dependency: options.name }, "dependency is up");
    else options.logger.error({ dependency: options.name }, "dependency is down");
    options.onChange(nowUp);
  };
  void check();
  const timer = setInterval(() => void check(), options.intervalMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
