import { randomUUID } from "node:crypto";
import type { ServiceImpl } from "@connectrpc/connect";
import type { RunService } from "@gatehouse/contracts";
import { notFound } from "@gatehouse/errors";
import type { JsonObject } from "@gatehouse/filters";
import type { UserRecord } from "@gatehouse/identity";
import type { AccessGuard } from "./access-guard.js";
import type { RunRepo } from "./repo/run-repo.js";
import { runToProto } from "./rows-to-proto.js";
import { compact, jsonObjectText, limits, oneOf, requireUuid, text } from "./validate.js";

const multitaskStrategies = ["reject", "interrupt", "rollback", "enqueue"] as const;

/**
 * The run config the server records: the client's config with the
 * langgraph_auth_* keys of `configurable` written by the server over
 * whatever the client sent (SPEC §6), as LangGraph servers do.
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

/** RunService: every call is authorized through the parent thread (SPEC §5). */
export function createRunService(guard: AccessGuard, runs: RunRepo): ServiceImpl<typeof RunService> {
  return {
    async createRun(request, context) {
      const threadId = requireUuid("thread_id", request.threadId);
      const assistantId = text("assistant_id", request.assistantId, { required: true });
      const multitaskStrategy = oneOf("multitask_strategy", request.multitaskStrategy, multitaskStrategies, "reject");
      jsonObjectText("metadata", request.metadata);
      const runId = randomUUID();
      const clientKwargs = compact({ input: request.input, config: request.config ?? {}, stream_mode: request.streamMode });
      jsonObjectText("input/config", clientKwargs, limits.maxValueBytes);
      const access = await guard.authorize(
        context,
        compact({
          thread_id: threadId,
          assistant_id: assistantId,
          run_id: runId,
          status: "pending",
          metadata: request.metadata ?? {},
          multitask_strategy: multitaskStrategy,
          kwargs: clientKwargs,
        }),
      );
      const kwargs = { ...clientKwargs, config: configWithAuth(request.config, access.user) };
      const run = await runs.insertOnVisibleThread(
        {
          runId,
          threadId,
          assistantId,
          metadataJson: jsonObjectText("metadata", access.metadata ?? request.metadata),
          kwargsJson: JSON.stringify(kwargs),
          multitaskStrategy,
        },
        access.filter,
      );
      if (run === undefined) throw notFound("thread");
      return { run: runToProto(run) };
    },

    async getRun(request, context) {
      const threadId = requireUuid("thread_id", request.threadId);
      const runId = requireUuid("run_id", request.runId);
      const access = await guard.authorize(context, { thread_id: threadId, run_id: runId });
      const run = await runs.get(threadId, runId, access.filter);
      if (run === undefined) throw notFound("run");
      return { run: runToProto(run) };
    },
  };
}
