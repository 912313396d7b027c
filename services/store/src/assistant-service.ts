import { Code, type ServiceImpl } from "@connectrpc/connect";
import type { AssistantService } from "@gatehouse/contracts";
import { ErrorReason, gatehouseError, invalidArgument, notFound } from "@gatehouse/errors";
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
  function graphId(field: string, value: string, required: boolean): string | undefined {
    if (value === "" && !required) return undefined;
    const id = text(field, value, { required });
    if (graphs.size > 0 && !graphs.has(id)) throw invalidArgument(field, `no graph "${id}" is configured`);
    return id;
  }

  function version(value: number): number {
    if (value < 1) throw invalidArgument("version", "must be at least 1");
    return value;
  }

  return {
    async createAssistant(request, context) {
      const assistantId = uuidOrNew("assistant_id", request.assistantId);
      const graph = graphId("graph_id", request.graphId, true)!;
      const ifExists = oneOf("if_exists", request.ifExists, ["raise", "do_nothing"], "raise");
      const name = text("name", request.name) || graph;
      const description = text("description", request.description);
      const configJson = jsonObjectText("config", request.config);
      const contextJson = jsonObjectText("context", request.context);
      jsonObjectText("metadata", request.metadata);
      const access = await guard.authorize(context, {
        assistant_id: assistantId,
        graph_id: graph,
        config: request.config ?? {},
        context: request.context ?? {},
        metadata: request.metadata ?? {},
        if_exists: ifExists,
        name,
        description,
      });
      const metadataJson = jsonObjectText("metadata", access.metadata ?? request.metadata);
      const created = await assistants.insert({ assistantId, graphId: graph, configJson, contextJson, metadataJson, name, description });
      if (created !== undefined) return { assistant: assistantToProto(created) };
      const existing = ifExists === "do_nothing" ? await assistants.get(assistantId, access.filter) : undefined;
      if (existing === undefined) throw gatehouseError(Code.AlreadyExists, ErrorReason.ASSISTANT_ALREADY_EXISTS, "assistant already exists");
      return { assistant: assistantToProto(existing) };
    },

    async getAssistant(request, context) {
      const assistantId = requireUuid("assistant_id", request.assistantId);
      const wanted = request.version === 0 ? undefined : version(request.version);
      const access = await guard.authorize(context, { assistant_id: assistantId });
      const assistant = await assistants.get(assistantId, access.filter, wanted);
      if (assistant === undefined) throw notFound("assistant");
      return { assistant: assistantToProto(assistant) };
    },

    async searchAssistants(request, context) {
      const { limit, offset } = page(request.limit, request.offset);
      const graph = request.graphId === "" ? undefined : text("graph_id", request.graphId);
      const metadataJson = request.metadata === undefined ? undefined : jsonObjectText("metadata", request.metadata);
      const access = await guard.authorize(context, compact({ graph_id: graph, metadata: request.metadata, limit, offset }));
      const rows = await assistants.search({ graphId: graph, metadataJson }, limit, offset, access.filter);
      return { assistants: rows.map(assistantToProto) };
    },

    async countAssistants(request, context) {
      const graph = request.graphId === "" ? undefined : text("graph_id", request.graphId);
      const metadataJson = request.metadata === undefined ? undefined : jsonObjectText("metadata", request.metadata);
      const access = await guard.authorize(context, compact({ graph_id: graph, metadata: request.metadata, limit: 0, offset: 0 }));
      return { count: BigInt(await assistants.count({ graphId: graph, metadataJson }, access.filter)) };
    },

    async updateAssistant(request, context) {
      const assistantId = requireUuid("assistant_id", request.assistantId);
      const graph = graphId("graph_id", request.graphId, false);
      const name = request.name === "" ? undefined : text("name", request.name);
      const description = request.description === "" ? undefined : text("description", request.description);
      const configJson = request.config === undefined ? undefined : jsonObjectText("config", request.config);
      const contextJson = request.context === undefined ? undefined : jsonObjectText("context", request.context);
      jsonObjectText("metadata", request.metadata);
      const access = await guard.authorize(
        context,
        compact({
          assistant_id: assistantId,
          graph_id: graph,
          config: request.config,
          context: request.context,
          metadata: request.metadata ?? {},
          name,
          description,
        }),
      );
      const updated = await assistants.update(
        assistantId,
        { graphId: graph, configJson, contextJson, metadataPatchJson: jsonObjectText("metadata", access.metadata ?? request.metadata), name, description },
        access.filter,
      );
      if (updated === undefined) throw notFound("assistant");
      return { assistant: assistantToProto(updated) };
    },

    async deleteAssistant(request, context) {
      const assistantId = requireUuid("assistant_id", request.assistantId);
      const access = await guard.authorize(context, { assistant_id: assistantId });
      if (!(await assistants.delete(assistantId, access.filter))) throw notFound("assistant");
      return {};
    },

    async listAssistantVersions(request, context) {
      const assistantId = requireUuid("assistant_id", request.assistantId);
      const { limit, offset } = page(request.limit, request.offset);
      const access = await guard.authorize(context, { assistant_id: assistantId });
      const versions = await assistants.listVersions(assistantId, access.filter, limit, offset);
      if (versions === undefined) throw notFound("assistant");
      return { versions: versions.map(assistantToProto) };
    },

    async setLatestAssistantVersion(request, context) {
      const assistantId = requireUuid("assistant_id", request.assistantId);
      const wanted = version(request.version);
      const access = await guard.authorize(context, { assistant_id: assistantId, version: wanted });
      const assistant = await assistants.setLatest(assistantId, wanted, access.filter);
      if (assistant === undefined) throw notFound("assistant");
      return { assistant: assistantToProto(assistant) };
    },
  };
}
