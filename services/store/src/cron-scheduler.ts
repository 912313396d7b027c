import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "@gatehouse/server";
import type { StoredUserGuard } from "./authorization.js";
import { nextFiring } from "./cron-schedule.js";
import { firingOf } from "./cron-firing.js";
import { cronFirings, type DueCron } from "./repo/cron-firing-repo.js";
import type { Database } from "./sql/database.js";

/** What the scheduler needs. */
export interface CronSchedulerDeps {
  db: Database;
  /** Authorizes each firing as the cron's owner; given to the scheduler only. */
  guard: StoredUserGuard;
  logger: Logger;
  /** How often it looks for due crons (GATEHOUSE_CRON_POLL_MS). */
  intervalMs: number;
  /** At most this many firings per tick, so one tick never runs unbounded. */
  maxPerTick?: number;
}

/** What one claimed cron came to. */
type Outcome = "fired" | "skipped" | "retry";

// Failures to decide (authz unreachable or slow, or broken) leave the cron
// due: its firing is made on a later tick, once, rather than lost. Any other
// answer (a deny, an unknown user) is the handler's verdict on this firing.
function isFailureToDecide(error: unknown): boolean {
  return !(error instanceof ConnectError) || [Code.Unavailable, Code.DeadlineExceeded, Code.Internal, Code.Unknown].includes(error.code);
}

/**
 * The cron scheduler of a store replica (README "Crons"). Each tick claims
 * due crons one by one, each in its own transaction: the row is locked with
 * SKIP LOCKED, its run is created as its owner (threads:create_run through
 * the guard, on its thread if the owner may still see it, else on a new
 * thread), and next_run_date moves to the first time its schedule selects
 * after now, all before commit. So each due time fires once across replicas,
 * a window missed while no replica ran fires once, a cron deleted before its
 * claim never fires (the delete and the claim lock the same row), and a
 * crash before commit leaves the cron due for the next tick.
 */
export function createCronScheduler(deps: CronSchedulerDeps) {
  const maxPerTick = deps.maxPerTick ?? 100;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  async function fire(client: Parameters<typeof cronFirings.claim>[0], cron: DueCron): Promise<Outcome> {
    const log = { cron_id: cron.cron_id, thread_id: cron.thread_id, user_id: cron.owner.identity, due: cron.next_run_date.toISOString() };
    const next = nextFiring(cron.schedule, cron.now, cron.end_time);
    const runId = randomUUID();
    const threadId = cron.thread_id ?? randomUUID();
    const { value, run } = firingOf(cron, { runId, threadId });
    let outcome: Outcome = "fired";
    try {
      const access = await deps.guard.authorize(cron.owner, { resource: "threads", action: "create_run" }, value);
      if (cron.thread_id === null) {
        await cronFirings.insertWithNewThread(client, run, access);
      } else if (!(await cronFirings.insertOnVisibleThread(client, run, access))) {
        deps.logger.warn(log, "cron firing skipped: its thread is missing or hidden from its owner");
        outcome = "skipped";
      }
    } catch (error) {
      if (isFailureToDecide(error)) throw error;
      deps.logger.warn({ ...log, err: error }, "cron firing skipped: the handler refused its owner");
      outcome = "skipped";
    }
    await cronFirings.advance(client, cron.cron_id, next);
    if (outcome === "fired") deps.logger.info({ ...log, run_id: runId, next_run_date: next?.toISOString() ?? null }, "cron fired");
    return outcome;
  }

  // One claimed cron in one transaction; undefined when no cron outside `skip` is due.
  async function claimAndFire(skip: string[]): Promise<{ cronId: string; outcome: Outcome } | undefined> {
    const client = await deps.db.connect();
    let cronId: string | undefined;
    try {
      await client.query("BEGIN");
      const cron = await cronFirings.claim(client, skip);
      if (cron === undefined) {
        await client.query("COMMIT");
        return undefined;
      }
      cronId = cron.cron_id;
      const outcome = await fire(client, cron);
      await client.query("COMMIT");
      return { cronId, outcome };
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      if (cronId === undefined) throw error;
      deps.logger.warn({ cron_id: cronId, err: error }, "cron firing failed; it stays due and is retried");
      return { cronId, outcome: "retry" };
    } finally {
      client.release();
    }
  }

  async function tick(): Promise<number> {
    await cronFirings.retireEnded(deps.db);
    const tried: string[] = [];
    let fired = 0;
    while (tried.length < maxPerTick && !stopped) {
      const result = await claimAndFire(tried);
      if (result === undefined) break;
      tried.push(result.cronId);
      if (result.outcome === "fired") fired += 1;
    }
    return fired;
  }

  return {
    /**
     * Fires every cron due now (up to maxPerTick); resolves to how many runs
     * were made. A cron that could not be decided on is tried again next tick.
     */
    tick,

    /** Ticks every intervalMs until stop; a failed tick is logged and the next one comes as usual. */
    start(): void {
      const loop = () => {
        running = tick()
          .catch((error: unknown) => deps.logger.warn({ err: error }, "cron scheduler tick failed"))
          .finally(() => {
            running = undefined;
            if (!stopped) timer = setTimeout(loop, deps.intervalMs);
          });
      };
      timer = setTimeout(loop, 0);
    },

    /** Stops ticking and waits for the tick in progress, whose transaction commits or rolls back whole. */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** A store replica's cron scheduler. */
export type CronScheduler = ReturnType<typeof createCronScheduler>;
