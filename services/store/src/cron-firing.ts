import type { JsonObject, JsonValue } from "@gatehouse/filters";
import type { DueCron, FiredRun } from "./repo/cron-firing-repo.js";
import { configWithAuth } from "./run-service.js";

// The payload fields the worker reads from a run's kwargs (README "Runs
// execute"); the rest of a LangGraph run request (webhook, ...) is kept in
// the cron's payload but does not reach the run.
const runFields = ["input", "command", "context", "stream_mode", "stream_subgraphs", "interrupt_before", "interrupt_after", "checkpoint", "checkpoint_id"];
const multitaskStrategies = new Set(["reject", "interrupt", "rollback", "enqueue"]);

function objectOrUndefined(value: JsonValue | undefined): JsonObject | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
}

/**
 * The run one firing of a cron makes, and the value its threads:create_run
 * handler sees (shaped as a CreateRun's). The run's kwargs are the cron's
 * payload with the server's langgraph_auth_* keys of the owner written over
 * its config; it carries the cron's metadata. A stateless cron's run gets a
 * new thread that is deleted when the run ends unless the payload says
 * `on_run_completed: "keep"` (or `on_completion: "keep"`), as LangGraph does.
 * A firing cannot be answered "busy", so without a multitask_strategy in the
 * payload it queues behind the thread's current run.
 */
export function firingOf(cron: DueCron, ids: { runId: string; threadId: string }): { value: JsonObject; run: FiredRun } {
  const payload = cron.payload;
  const kwargs: JsonObject = {};
  for (const field of runFields) if (payload[field] !== undefined && payload[field] !== null) kwargs[field] = payload[field];
  kwargs.config = configWithAuth(objectOrUndefined(payload.config), cron.owner);
  const stateless = cron.thread_id === null;
  if (stateless) kwargs.on_completion = payload.on_run_completed === "keep" || payload.on_completion === "keep" ? "keep" : "delete";
  const requested = payload.multitask_strategy;
  const multitaskStrategy = typeof requested === "string" && multitaskStrategies.has(requested) ? requested : "enqueue";
  const value: JsonObject = {
    ...(stateless ? {} : { thread_id: ids.threadId }),
    assistant_id: cron.assistant_id,
    run_id: ids.runId,
    status: "pending",
    metadata: cron.metadata,
    multitask_strategy: multitaskStrategy,
    kwargs: { ...kwargs, config: objectOrUndefined(payload.config) ?? {} },
  };
  return {
    value,
    run: { runId: ids.runId, threadId: ids.threadId, assistantId: cron.assistant_id, metadata: cron.metadata, kwargsJson: JSON.stringify(kwargs), multitaskStrategy },
  };
}
