import { randomUUID } from "node:crypto";
import { toJson, type MessageShape } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import type { CreateRunRequestSchema } from "@gatehouse/contracts";
import { ErrorReason, gatehouseError, invalidArgument, notFound } from "@gatehouse/errors";
import type { JsonObject } from "@gatehouse/filters";
import { defaultAssistantId } from "@gatehouse/graphs";
import type { UserRecord } from "@gatehouse/identity";
import type { RunEventLog } from "@gatehouse/run-events";
import type { Access } from "./authorization.js";
import type { RunRepo, RunRow, RunThread } from "./repo/run-repo.js";
import { compact, jsonObjectText, limits, oneOf, requireUuid, text } from "./validate.js";

const multitaskStrategies = ["reject", "interrupt", "rollback", "enqueue"] as const;

/** LangGraph's answer to a run on a busy thread under the reject strategy. */
export const threadBusyMessage = "Thread is already running a task. Wait for it to finish or choose a different multitask strategy.";

/**
 * The run config the server records: the client's config with the
 * langgraph_auth_* keys of `configurable` written by the server over
 * whatever the client sent, as LangGraph servers do.
 */
export function configWithAuth(config: JsonObject | undefined, user: UserRecord): JsonObject {
  const clientConfigurable = config?.configurable;
  const configurable =
    clientConfigurable !== null && typeof clientConfigurable === "object" && !Array.isArray(clientConfigurable)
      ? clientConfigurable
      : {};
  return {
    ...config,
    configurable: {
      ...configurable,
      langgraph_auth_user: user as JsonObject,
      langgraph_auth_user_id: user.identity,
      langgraph_auth_permissions: user.permissions,
    },
  };
}

/** What creating a run needs once the request is validated. */
export interface RunToCreate {
  threadId: string;
  how: RunThread;
  runId: string;
  assistantId: string;
  multitaskStrategy: string;
  afterSeconds: number;
  /** The options the worker reads, without the config (the server completes it). */
  clientKwargs: JsonObject;
  config: JsonObject | undefined;
  metadata: JsonObject | undefined;
  /** "cancel" or "continue": what StreamRun and WaitRun do when the caller goes away. */
  onDisconnect: "cancel" | "continue";
}

/** interrupt_before / interrupt_after as the worker reads them: "*" for every node, else the names. */
function nodes(field: string, names: readonly string[]): string[] | "*" | undefined {
  if (names.length === 0) return undefined;
  names.forEach((name, i) => text(`${field}[${i}]`, name, { required: true }));
  return names.length === 1 && names[0] === "*" ? "*" : [...names];
}

function seconds(field: string, value: number, max: number): number {
  if (!Number.isFinite(value) || value < 0 || value > max) throw invalidArgument(field, `must be a number of seconds between 0 and ${max}`);
  return value;
}

/**
 * Validates a CreateRunRequest (shared by CreateRun, StreamRun, WaitRun)
 * and builds the value the threads:create_run handler sees, as LangGraph
 * builds it: the run's ids, metadata, strategy and kwargs. A graph id as
 * assistant names that graph's system assistant.
 */
export function runToCreate(request: MessageShape<typeof CreateRunRequestSchema>, graphs: ReadonlySet<string>): { value: JsonObject; input: RunToCreate } {
  const threadless = request.threadId === "";
  const threadId = threadless ? randomUUID() : requireUuid("thread_id", request.threadId);
  const given = text("assistant_id", request.assistantId, { required: true });
  const assistantId = graphs.has(given) ? defaultAssistantId(given) : given;
  const multitaskStrategy = oneOf("multitask_strategy", request.multitaskStrategy, multitaskStrategies, "reject");
  const ifNotExists = oneOf("if_not_exists", request.ifNotExists, ["reject", "create"], "reject");
  const onDisconnect = oneOf("on_disconnect", request.onDisconnect, ["continue", "cancel"], "continue");
  if (!threadless && request.onCompletion !== "") throw invalidArgument("on_completion", "only a run without a thread has one");
  const onCompletion = threadless ? oneOf("on_completion", request.onCompletion, ["delete", "keep"], "delete") : undefined;
  const afterSeconds = seconds("after_seconds", request.afterSeconds, 31_536_000);
  const timeoutSeconds = seconds("timeout_seconds", request.timeoutSeconds, 31_536_000);
  jsonObjectText("metadata", request.metadata);
  const runId = randomUUID();
  const clientKwargs = compact({
    input: request.input && toJson(ValueSchema, request.input),
    command: request.command && toJson(ValueSchema, request.command),
    stream_mode: request.streamMode.length > 0 ? request.streamMode : undefined,
    stream_subgraphs: request.streamSubgraphs || undefined,
    checkpoint: request.checkpoint,
    interrupt_before: nodes("interrupt_before", request.interruptBefore),
    interrupt_after: nodes("interrupt_after", request.interruptAfter),
    context: request.context,
    on_completion: onCompletion,
    timeout_ms: timeoutSeconds > 0 ? Math.ceil(timeoutSeconds * 1000) : undefined,
  });
  jsonObjectText("input/config", { ...clientKwargs, config: request.config ?? {} }, limits.maxValueBytes);
  const how: RunThread = threadless ? "new" : ifNotExists === "create" ? "create-if-missing" : "existing";
  // A run without a thread raises only threads:create_run, as in LangGraph; its new thread takes the run's metadata.
  const value = compact({
    thread_id: threadless ? undefined : threadId,
    assistant_id: assistantId,
    run_id: runId,
    status: "pending",
    metadata: request.metadata ?? {},
    multitask_strategy: multitaskStrategy,
    if_not_exists: ifNotExists,
    after_seconds: afterSeconds,
    kwargs: { ...clientKwargs, config: request.config ?? {} },
  });
  return {
    value,
    input: { threadId, how, runId, assistantId, multitaskStrategy, afterSeconds, clientKwargs, config: request.config, metadata: request.metadata, onDisconnect },
  };
}

/**
 * Records the run (see RunRepo.create): a missing or hidden thread is the
 * thread's NOT_FOUND, a busy thread under reject is ALREADY_EXISTS with
 * reason THREAD_BUSY; pending runs a multitask strategy stopped get their
 * streams finished, so whoever follows them stops waiting.
 */
export async function createRun(runs: RunRepo, events: RunEventLog, input: RunToCreate, access: Access<"threads">): Promise<RunRow> {
  const created = await runs.create(
    {
      runId: input.runId,
      threadId: input.threadId,
      assistantId: input.assistantId,
      metadata: input.metadata,
      kwargsJson: JSON.stringify({ ...input.clientKwargs, config: configWithAuth(input.config, access.user) }),
      multitaskStrategy: input.multitaskStrategy,
      afterSeconds: input.afterSeconds,
    },
    access,
    input.how,
  );
  if (created.outcome === "not-found") throw notFound("thread");
  if (created.outcome === "busy") throw gatehouseError(Code.AlreadyExists, ErrorReason.THREAD_BUSY, threadBusyMessage);
  await finishStreams(events, created.stopped);
  return created.run;
}

/** Finishes the streams of runs the store stopped itself (no worker held them), so their readers end. */
export async function finishStreams(events: RunEventLog, runIds: readonly string[]): Promise<void> {
  await Promise.all(runIds.map((runId) => events.finish(runId)));
}
