import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { LoadedGraph } from "@gatehouse/graphs";
import type { Logger } from "@gatehouse/server";
import type { RunEventLog } from "@gatehouse/run-events";
import type pg from "pg";
import { checkpointWritesSettled } from "./checkpointer.js";
import { requestedStreamModes, resolveAssistant, runGraphOptions, runInput } from "./run-config.js";
import type { ClaimedRun, FinalRunStatus, RunQueue, ThreadAfterRun } from "./run-queue.js";
import { createEventPublisher, runStreamEvents, type EventPublisher, type EventStreamingGraph } from "./stream-events.js";
import { threadAfterRun } from "./thread-state.js";
import { errorPayload } from "./wire-json.js";

/**
 * Why an execution was stopped from outside, as the abort reason of its
 * signal: a cancel (`interrupt` keeps what the run wrote, `rollback` erases
 * it), the run's timeout, the lease lost to the sweeper, or the worker
 * shutting down.
 */
export type StopReason = "interrupt" | "rollback" | "timeout" | "lost" | "shutdown";

/** What executing a run needs. */
export interface RunExecutorDeps {
  db: pg.Pool;
  queue: RunQueue;
  /** The graphs of gatehouse.json, by graph id, with the Postgres checkpointer. */
  graphs: ReadonlyMap<string, LoadedGraph>;
  events: RunEventLog;
  /** The timeout of a run that sets none (`kwargs.timeout_ms`); 0 for none. */
  defaultTimeoutMs: number;
  logger: Logger;
}

/** How an execution ended, for logs and tests. */
export type RunOutcome = FinalRunStatus | "rolled-back" | "released" | "lost";

function timeoutOf(kwargs: Record<string, unknown>, fallback: number): number {
  const own = kwargs.timeout_ms;
  return typeof own === "number" && Number.isFinite(own) && own > 0 ? own : fallback;
}

/**
 * Creates the function that executes one claimed run to its end (README,
 * "Runs execute"): resolves its assistant and graph, streams the graph with
 * the run's config and input, publishes its events, then records its final
 * status and its thread's state in one statement. `control` is aborted with
 * a StopReason to stop it early.
 */
export function createRunExecutor(deps: RunExecutorDeps) {
  const graphIds = new Set(deps.graphs.keys());

  async function thread(graph: LoadedGraph | undefined, run: ClaimedRun, failed: boolean, cancelled = false): Promise<ThreadAfterRun> {
    if (graph === undefined) return { status: failed ? "error" : "idle", valuesJson: null, interruptsJson: null };
    await checkpointWritesSettled(graph.checkpointer, run.runId);
    return threadAfterRun(graph, run.threadId, failed, cancelled);
  }

  async function finishStream(runId: string): Promise<void> {
    await deps.events.finish(runId).catch((error: unknown) => deps.logger.warn({ err: error, run_id: runId }, "run stream could not be finished"));
  }

  // The run stopped being this worker's. Swept back to pending (or claimed
  // again), it is someone else's now. Ended from outside instead (its status
  // set, its row deleted), its thread is freed and its stream finished here,
  // since no one else will.
  async function settleLost(run: ClaimedRun, graph: LoadedGraph | undefined, publisher: EventPublisher): Promise<RunOutcome> {
    const status = await deps.queue.statusOf(run.runId);
    if (status === "pending" || status === "running") return "lost";
    await deps.queue.settleThread(run.threadId, await thread(graph, run, status === "error", true));
    await publisher.flush();
    await finishStream(run.runId);
    return "lost";
  }

  return async function executeRun(run: ClaimedRun, control: AbortController): Promise<RunOutcome> {
    const publisher = createEventPublisher(deps.events, run.runId, (error) =>
      deps.logger.warn({ err: error, run_id: run.runId }, "run events could not be appended; dropped"),
    );
    const timeoutMs = timeoutOf(run.kwargs, deps.defaultTimeoutMs);
    const timer = timeoutMs > 0 ? setTimeout(() => control.abort("timeout" satisfies StopReason), timeoutMs) : undefined;
    let graph: LoadedGraph | undefined;
    let status: FinalRunStatus;
    try {
      const assistant = await resolveAssistant(deps.db, run.assistantId, graphIds);
      graph = deps.graphs.get(assistant.graphId)!;
      const stream = runStreamEvents(graph as unknown as EventStreamingGraph, runInput(run.kwargs), {
        runId: run.runId,
        attempt: run.attempt,
        modes: requestedStreamModes(run.kwargs),
        graphOptions: runGraphOptions(run, assistant),
        signal: control.signal,
      });
      for await (const event of stream) publisher.publish(event);
      status = "success";
    } catch (error) {
      const reason = control.signal.aborted ? (control.signal.reason as StopReason) : undefined;
      if (reason === "lost") return settleLost(run, graph, publisher);
      if (reason === "shutdown") {
        await publisher.flush();
        return (await deps.queue.release(run)) ? "released" : "lost";
      }
      if (reason === "rollback") {
        await publisher.flush();
        await checkpointWritesSettled(graph?.checkpointer, run.runId);
        if (!(await deps.queue.rollback(run))) return settleLost(run, graph, publisher);
        await deps.queue.settleThread(run.threadId, await thread(graph, run, false, true));
        await finishStream(run.runId);
        return "rolled-back";
      }
      if (reason === "interrupt") {
        status = "interrupted";
      } else if (reason === "timeout") {
        status = "timeout";
        publisher.publish({ event: "error", data: { error: "TimeoutError", message: `the run exceeded its timeout of ${timeoutMs} ms` } });
      } else {
        status = "error";
        deps.logger.warn({ err: error, run_id: run.runId, attempt: run.attempt }, "run failed");
        publisher.publish({ event: "error", data: errorPayload(error) });
      }
    } finally {
      clearTimeout(timer);
    }
    const failed = status === "error" || status === "timeout";
    const finished = await deps.queue.finish(run, status, await thread(graph, run, failed, status === "interrupted"));
    if (!finished) return settleLost(run, graph, publisher);
    if (run.kwargs.on_completion === "delete") {
      // A thread-less run asked for no trace: its thread and checkpoints go, as on LangGraph servers.
      await deps.queue.deleteThread(run.threadId);
      await (graph?.checkpointer as BaseCheckpointSaver | undefined)?.deleteThread(run.threadId);
    }
    await publisher.flush();
    await finishStream(run.runId);
    return status;
  };
}

/** Executes one claimed run; see createRunExecutor. */
export type RunExecutor = ReturnType<typeof createRunExecutor>;
