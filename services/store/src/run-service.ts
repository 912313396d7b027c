import { randomUUID } from "node:crypto";
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, type ServiceImpl } from "@connectrpc/connect";
import type { RunService } from "@gatehouse/contracts";
import { ErrorReason, gatehouseError, notFound } from "@gatehouse/errors";
import type { JsonObject } from "@gatehouse/filters";
import type { UserRecord } from "@gatehouse/identity";
import type { AccessGuard } from "./access-guard.js";
import type { RunRepo } from "./repo/run-repo.js";
import type { ThreadRepo } from "./repo/thread-repo.js";
import { runToProto } from "./rows-to-proto.js";
import { compact, jsonObjectText, limits, oneOf, optionalOneOf, page, requireUuid, text } from "./validate.js";

const multitaskStrategies = ["reject", "interrupt", "rollback", "enqueue"] as const;
const runStatuses = ["pending", "running", "error", "success", "timeout", "interrupted"] as const;

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

/** RunService: every call is authorized through the parent thread. */
export function createRunService(guard: AccessGuard, runs: RunRepo, threads: ThreadRepo): ServiceImpl<typeof RunService> {
  return {
    async createRun(request, context) {
      const threadless = request.threadId === "";
      const threadId = threadless ? randomUUID() : requireUuid("thread_id", request.threadId);
      const assistantId = text("assistant_id", request.assistantId, { required: true });
      const multitaskStrategy = oneOf("multitask_strategy", request.multitaskStrategy, multitaskStrategies, "reject");
      jsonObjectText("metadata", request.metadata);
      const runId = randomUUID();
      const clientKwargs = compact({ input: request.input && toJson(ValueSchema, request.input), config: request.config ?? {}, stream_mode: request.streamMode });
      jsonObjectText("input/config", clientKwargs, limits.maxValueBytes);
      // A run without a thread raises only threads:create_run, as in LangGraph; its new thread takes the run's metadata.
      const access = await guard.authorize(
        context,
        compact({
          thread_id: threadless ? undefined : threadId,
          assistant_id: assistantId,
          run_id: runId,
          status: "pending",
          metadata: request.metadata ?? {},
          multitask_strategy: multitaskStrategy,
          kwargs: clientKwargs,
        }),
      );
      const metadataJson = jsonObjectText("metadata", access.metadata ?? request.metadata);
      const run = {
        runId,
        threadId,
        assistantId,
        metadataJson,
        kwargsJson: JSON.stringify({ ...clientKwargs, config: configWithAuth(request.config, access.user) }),
        multitaskStrategy,
      };
      const created = threadless
        ? await runs.insertWithNewThread(run, metadataJson)
        : await runs.insertOnVisibleThread(run, access.filter);
      if (created === undefined) throw notFound("thread");
      return { run: runToProto(created) };
    },

    async getRun(request, context) {
      const threadId = requireUuid("thread_id", request.threadId);
      const runId = requireUuid("run_id", request.runId);
      const access = await guard.authorize(context, { thread_id: threadId, run_id: runId });
      const run = await runs.get(threadId, runId, access.filter);
      if (run === undefined) throw notFound("run");
      return { run: runToProto(run) };
    },

    async listRuns(request, context) {
      const threadId = requireUuid("thread_id", request.threadId);
      const status = optionalOneOf("status", request.status, runStatuses);
      const { limit, offset } = page(request.limit, request.offset);
      const access = await guard.authorize(context, { thread_id: threadId });
      if ((await threads.get(threadId, access.filter)) === undefined) throw notFound("thread");
      return { runs: (await runs.list(threadId, status, limit, offset)).map(runToProto) };
    },

    async cancelRun(request, context) {
      const threadId = requireUuid("thread_id", request.threadId);
      const runId = requireUuid("run_id", request.runId);
      const action = oneOf("action", request.action, ["interrupt", "rollback"], "interrupt");
      const access = await guard.authorize(context, { thread_id: threadId, run_id: runId, action });
      const cancelled = await runs.cancel(threadId, runId, access.filter);
      if (cancelled !== undefined) return { run: runToProto(cancelled) };
      if ((await runs.get(threadId, runId, access.filter)) === undefined) throw notFound("run");
      throw gatehouseError(Code.FailedPrecondition, ErrorReason.RUN_NOT_ACTIVE, "only a pending or running run can be cancelled");
    },

    async deleteRun(request, context) {
      const threadId = requireUuid("thread_id", request.threadId);
      const runId = requireUuid("run_id", request.runId);
      const access = await guard.authorize(context, { thread_id: threadId, run_id: runId });
      if (!(await runs.delete(threadId, runId, access.filter))) throw notFound("run");
      return {};
    },
  };
}
