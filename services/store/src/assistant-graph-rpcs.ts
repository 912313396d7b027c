import { fromJson, type JsonObject } from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@bufbuild/protobuf/wkt";
import type { AssistantService } from "@gatehouse/contracts";
import { invalidArgument } from "@gatehouse/errors";
import type { Access } from "./authorization.js";
import { found } from "./found.js";
import { rpc, type GuardedMethods } from "./guarded-service.js";
import type { AssistantRepo } from "./repo/assistant-repo.js";
import { requireUuid, text } from "./validate.js";
import type { WorkerCaller } from "./worker-client.js";

/** LangGraph's `xray` (true, false, or a depth) as the worker's depth: 0 none, n levels, -1 every level. */
export function xrayDepth(xray: Value | undefined): number {
  const kind = xray?.kind;
  if (kind === undefined || kind.case === undefined || kind.case === "nullValue") return 0;
  if (kind.case === "boolValue") return kind.value ? -1 : 0;
  if (kind.case === "numberValue" && Number.isInteger(kind.value) && kind.value >= 0 && kind.value <= 1000) return kind.value;
  throw invalidArgument("xray", "must be true, false or a whole number of levels from 0 to 1000");
}

function value(json: JsonObject | undefined) {
  return fromJson(ValueSchema, json ?? null);
}

/**
 * GetAssistantGraph, GetAssistantSchemas and GetAssistantSubgraphs: one
 * statement reads the assistant through the caller's assistants:read Access
 * (a hidden one is the missing one's NOT_FOUND, and the worker is never
 * asked), then the worker answers for the assistant's graph.
 */
export function graphRpcs(
  assistants: AssistantRepo,
  worker: WorkerCaller,
): Pick<GuardedMethods<typeof AssistantService, "assistants">, "getAssistantGraph" | "getAssistantSchemas" | "getAssistantSubgraphs"> {
  const graphOf = async (assistantId: string, access: Access<"assistants">) => found(await assistants.get(assistantId, access), "assistant").graph_id;
  return {
    getAssistantGraph: rpc({
      authorize(request) {
        const assistantId = requireUuid("assistant_id", request.assistantId);
        const xray = xrayDepth(request.xray);
        return { value: { assistant_id: assistantId }, input: { assistantId, xray } };
      },
      async run({ assistantId, xray }, access, call) {
        const graphId = await graphOf(assistantId, access);
        const { graph } = await worker.call(call.context, (client, options) => client.getGraph({ graphId, xray }, options));
        return { graph: value(graph) };
      },
    }),

    getAssistantSchemas: rpc({
      authorize(request) {
        const assistantId = requireUuid("assistant_id", request.assistantId);
        return { value: { assistant_id: assistantId }, input: assistantId };
      },
      async run(assistantId, access, call) {
        const graphId = await graphOf(assistantId, access);
        const { schemas } = await worker.call(call.context, (client, options) => client.getSchemas({ graphId }, options));
        return { schemas: value(schemas) };
      },
    }),

    getAssistantSubgraphs: rpc({
      authorize(request) {
        const assistantId = requireUuid("assistant_id", request.assistantId);
        const namespace = text("namespace", request.namespace);
        return { value: { assistant_id: assistantId }, input: { assistantId, namespace, recurse: request.recurse } };
      },
      async run({ assistantId, namespace, recurse }, access, call) {
        const graphId = await graphOf(assistantId, access);
        const { subgraphs } = await worker.call(call.context, (client, options) => client.getSubgraphs({ graphId, namespace, recurse }, options));
        return { subgraphs: value(subgraphs ?? {}) };
      },
    }),
  };
}
