import pg from "pg";
import type { Logger } from "@gatehouse/server";
import type { RunEventLog } from "@gatehouse/run-events";
import type { RunExecutor, RunOutcome, StopReason } from "./execute-run.js";
import type { ClaimedRun, RunQueue } from "./run-queue.js";

/** How a worker schedules its runs. */
export interface WorkerLoopOptions {
  /** Runs executed at once. */
  concurrency: number;
  leaseMs: number;
  /** How often to look for due runs without a notification. */
  pollMs: number;
  /** How often to sweep expired leases; default half the lease. */
  sweepMs?: number;
  /**
   * Postgres to LISTEN on for `gatehouse_runs` (new runs) and
   * `gatehouse_run_cancel` (cancel requests); polling alone when unset or
   * when the database delivers no notifications (the embedded one).
   */
  listenUrl?: string;
  logger: Logger;
  /** Called after each execution, for logs and tests. */
  onOutcome?: (run: ClaimedRun, outcome: RunOutcome) => void;
}

/** What the loop drives. */
export interface WorkerLoopDeps {
  queue: RunQueue;
  execute: RunExecutor;
  events: RunEventLog;
}

/** A running worker loop. */
export interface WorkerLoop {
  /** Runs being executed now, by run id. */
  readonly active: ReadonlyMap<string, ClaimedRun>;
  /** Looks for due runs now (as a notification does). */
  wake(): void;
  /**
   * Stops claiming, waits up to graceMs for the runs in hand to finish, then
   * hands the rest back to the queue as pending.
   */
  stop(graceMs: number): Promise<void>;
}

interface Execution {
  run: ClaimedRun;
  control: AbortController;
  /** When the lease was last claimed or renewed. */
  renewedAt: number;
  heartbeat: NodeJS.Timeout;
  done: Promise<void>;
}

/**
 * Starts claiming and executing runs (README, "Runs execute"): one claim per
 * free slot, a heartbeat every lease/3 per run that renews its lease and
 * notices cancel requests, a sweep of expired leases, and wake-ups by
 * notification with polling as the fallback.
 */
export async function startWorkerLoop(deps: WorkerLoopDeps, options: WorkerLoopOptions): Promise<WorkerLoop> {
  const { logger } = options;
  const executions = new Map<string, Execution>();
  const active = new Map<string, ClaimedRun>();
  let stopping = false;
  let filling = false;
  let refill = false;

  const stopRun = (execution: Execution, reason: StopReason) => {
    if (!execution.control.signal.aborted) execution.control.abort(reason);
  };

  const heartbeat = async (execution: Execution) => {
    const attemptedAt = Date.now();
    try {
      const renewal = await deps.queue.renew(execution.run);
      if (!renewal.held) stopRun(execution, "lost");
      else if (renewal.cancelAction !== undefined) stopRun(execution, renewal.cancelAction);
      else execution.renewedAt = attemptedAt;
    } catch (error) {
      logger.warn({ err: error, run_id: execution.run.runId }, "lease renewal failed");
      // Past its lease another worker may take the run over: stop rather than run twice.
      if (Date.now() - execution.renewedAt >= options.leaseMs) stopRun(execution, "lost");
    }
  };

  const begin = (run: ClaimedRun) => {
    const control = new AbortController();
    const execution: Execution = { run, control, renewedAt: Date.now(), heartbeat: undefined as unknown as NodeJS.Timeout, done: Promise.resolve() };
    execution.heartbeat = setInterval(() => void heartbeat(execution), Math.max(1, Math.floor(options.leaseMs / 3)));
    executions.set(run.runId, execution);
    active.set(run.runId, run);
    execution.done = deps
      .execute(run, control)
      .then(
        (outcome) => options.onOutcome?.(run, outcome),
        (error: unknown) => logger.error({ err: error, run_id: run.runId }, "run could not be finished; the sweeper will take it back"),
      )
      .finally(() => {
        clearInterval(execution.heartbeat);
        executions.delete(run.runId);
        active.delete(run.runId);
        fill();
      });
  };

  // Claims while slots are free; a wake-up during a fill runs another pass after it.
  const fill = () => {
    if (stopping) return;
    if (filling) {
      refill = true;
      return;
    }
    filling = true;
    void (async () => {
      try {
        do {
          refill = false;
          while (!stopping && executions.size < options.concurrency) {
            const run = await deps.queue.claim();
            if (run === undefined) break;
            begin(run);
          }
        } while (refill && !stopping);
      } catch (error) {
        logger.warn({ err: error }, "claiming runs failed; retrying at the next poll");
      } finally {
        filling = false;
      }
    })();
  };

  const sweep = async () => {
    try {
      const taken = await deps.queue.sweep();
      for (const swept of taken) {
        logger.warn({ run_id: swept.runId, attempt: swept.attempt, status: swept.status }, "took back a run whose lease expired");
        if (swept.status === "error") {
          await deps.events.append(swept.runId, [
            { event: "error", data: { error: "WorkerLostError", message: `the run's worker stopped responding after ${swept.attempt} attempt(s)` } },
          ]);
          await deps.events.finish(swept.runId);
        }
      }
      if (taken.some((swept) => swept.status === "pending")) fill();
    } catch (error) {
      logger.warn({ err: error }, "sweeping expired leases failed");
    }
  };

  const listener = options.listenUrl === undefined ? undefined : await listen(options.listenUrl, logger, (channel, payload) => {
    if (channel === "gatehouse_runs") fill();
    else if (channel === "gatehouse_run_cancel") {
      const execution = executions.get(payload);
      if (execution !== undefined) void heartbeat(execution);
    }
  });
  const poller = setInterval(fill, options.pollMs);
  const sweeper = setInterval(() => void sweep(), options.sweepMs ?? Math.max(1, Math.floor(options.leaseMs / 2)));
  void sweep();

  return {
    active,
    wake: fill,
    async stop(graceMs) {
      stopping = true;
      clearInterval(poller);
      clearInterval(sweeper);
      await listener?.close();
      const all = () => Promise.all([...executions.values()].map((execution) => execution.done));
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([all(), graceOver]);
      clearTimeout(timer);
      for (const execution of executions.values()) stopRun(execution, "shutdown");
      await all();
    },
  };
}

interface Listener {
  close(): Promise<void>;
}

// One connection LISTENing on both channels, reconnecting after a loss; while
// it is down the poller still finds work.
async function listen(url: string, logger: Logger, onNotify: (channel: string, payload: string) => void): Promise<Listener> {
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async () => {
    const next = new pg.Client({ connectionString: url });
    next.on("notification", (message) => onNotify(message.channel, message.payload ?? ""));
    next.on("error", (error) => {
      logger.warn({ err: error }, "notification connection lost; reconnecting");
      void next.end().catch(() => {});
      if (!closed) retry = setTimeout(() => void connect().catch(() => {}), 1_000);
    });
    try {
      await next.connect();
      await next.query("LISTEN gatehouse_runs");
      await next.query("LISTEN gatehouse_run_cancel");
      client = next;
    } catch (error) {
      logger.warn({ err: error }, "cannot LISTEN for runs; polling only until it can");
      await next.end().catch(() => {});
      if (!closed) retry = setTimeout(() => void connect().catch(() => {}), 5_000);
    }
  };
  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}
