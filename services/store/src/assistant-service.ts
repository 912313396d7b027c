import { Code, type ServiceImpl } from "@connectrpc/connect";
import type { AssistantService } from "@gatehouse/contracts";
import { gatehouseError, invalidArgument, notFound } from "@gatehouse/errors";
import type { AccessGuard } from "./access-guard.js";
import type { AssistantRepo } from "./repo/assistant-repo.js";
import { assistantToProto } from "./rows-to-proto.js";
import { compact, jsonObjectText, oneOf, page, requireUuid, text, uuidOrNew } from "./validate.js";

/** AssistantService: validates, asks the guard, and runs one statement with the caller's filter. */
export function createAssistantService(
  guard: AccessGuard,
  assistants: AssistantRepo,
  graphs: ReadonlySet<string>,
): ServiceImpl<typeof AssistantService> {
  return {
    async createAssistant(request, context) {
      const assistantId = uuidOrNew("assistant_id", request.assistantId);
      const graphId = text("graph_id", request.graphId, { required: true });
      if (graphs.size > 0 && !graphs.has(graphId)) throw invalidArgument("graph_id", `no graph "${graphId}" is configured`);
      const ifExists = oneOf("if_exists", request.ifExists, ["raise", "do_nothing"], "raise");
      const name = text("name", request.name) || graphId;
      const description = text("description", request.description);
      const configJson = jsonObjectText("config", request.config);
      const contextJson = jsonObjectText("context", request.context);
      jsonObjectText("metadata", request.metadata);
      const access = await guard.authorize(
        context,
        compact({
          assistant_id: assistantId,
          graph_id: graphId,
          config: request.config ?? {},
          context: request.context ?? {},
          metadata: request.metadata ?? {},
          if_exists: ifExists,
          name,
          description,
        }),
      );
      const metadataJson = jsonObjectText("metadata", access.metadata ?? request.metadata);
      const created = await assistants.insert({ assistantId, graphId, configJson, contextJson, metadataJson, name, description });
      if (created !== undefined) return { assistant: assistantToProto(created) };
      const existing = ifExists === "do_nothing" ? await assistants.get(assistantId, access.filter) : undefined;
      if (existing === undefined) throw gatehouseError(Code.AlreadyExists, "ASSISTANT_ALREADY_EXISTS", "assistant already exists");
      return { assistant: assistantToProto(existing) };
    },

    async getAssistant(request, context) {
      const assistantId = requireUuid("assistant_id", request.assistantId);
      const access = await guard.authorize(context, { assistant_id: assistantId });
      const assistant = await assistants.get(assistantId, access.filter);
      if (assistant === undefined) throw notFound("assistant");
      return { assistant: assistantToProto(assistant) };
    },

    async searchAssistants(request, context) {
      const { limit, offset } = page(request.limit, request.offset);
      const graphId = request.graphId === "" ? undefined : text("graph_id", request.graphId);
      const metadataJson = request.metadata === undefined ? undefined : jsonObjectText("metadata", request.metadata);
      const access = await guard.authorize(context, compact({ graph_id: graphId, metadata: request.metadata, limit, offset }));
      const rows = await assistants.search({ graphId, metadataJson, limit, offset }, access.filter);
      return { assistants: rows.map(assistantToProto) };
    },
  };
}
