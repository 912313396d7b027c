import type { Assistant } from "@gatehouse/contracts";
import { unprocessable } from "./errors.js";
import { bodyObject, optionalInt, optionalObject, optionalString, optionalStringList, pick, queryFlag, rejectFields, type Body } from "./fields.js";
import { resolveAssistantId } from "@gatehouse/graphs";
import { json, noContent, route, type Route } from "./route.js";
import type { TranslatorDeps } from "./store-clients.js";
import { object, plain, present, protoValue, requiredIsoTime } from "./wire.js";

/** One version of an assistant, as LangGraph's `AssistantVersion` type describes it. */
export function assistantVersionJson(assistant: Assistant) {
  return {
    assistant_id: assistant.assistantId,
    graph_id: assistant.graphId,
    config: object(assistant.config),
    context: object(assistant.context),
    metadata: object(assistant.metadata),
    name: assistant.name,
    description: assistant.description === "" ? null : assistant.description,
    version: assistant.version,
    created_at: requiredIsoTime(assistant.createdAt),
  };
}

/** An assistant as LangGraph's `Assistant` type describes it. */
export function assistantJson(assistant: Assistant) {
  return { ...assistantVersionJson(assistant), updated_at: requiredIsoTime(assistant.updatedAt) };
}

// The store lists assistants newest first and filters by graph and metadata only.
function rejectUnsupportedSearch(fields: Body): void {
  rejectFields(fields, ["name"], "filtering assistants by name is not supported by Gatehouse");
  rejectFields(fields, ["sort_by"], "Gatehouse lists assistants by created_at only", ["created_at"]);
  rejectFields(fields, ["sort_order"], "Gatehouse lists assistants newest first only", ["desc"]);
}

/** `context` is free-form in the LangGraph API; the store keeps it as a JSON object. */
function context(fields: Body): ReturnType<typeof optionalObject> {
  try {
    return optionalObject(fields, "context");
  } catch {
    throw unprocessable("context", "Gatehouse stores an assistant's context as a JSON object");
  }
}

/**
 * The assistants endpoints: create, get, patch, delete, search, count,
 * versions and set-latest. A path's assistant id may be a graph id declared
 * in gatehouse.json, which names that graph's default assistant (see
 * resolveAssistantId).
 */
export function assistantRoutes({ store, graphs }: TranslatorDeps): Route[] {
  const assistantId = (params: Readonly<Record<string, string>>) => resolveAssistantId(params.assistant_id!, graphs);
  return [
    route("POST", "/assistants", async ({ body, call }) => {
      const fields = bodyObject(body);
      const { assistant } = await store.assistants.createAssistant(
        {
          assistantId: optionalString(fields, "assistant_id") ?? "",
          graphId: optionalString(fields, "graph_id") ?? "",
          config: optionalObject(fields, "config"),
          context: context(fields),
          metadata: optionalObject(fields, "metadata"),
          ifExists: optionalString(fields, "if_exists") ?? "",
          name: optionalString(fields, "name") ?? "",
          description: optionalString(fields, "description") ?? "",
        },
        call,
      );
      return json(assistantJson(present(assistant, "an assistant")));
    }),

    route("POST", "/assistants/search", async ({ body, call }) => {
      const fields = bodyObject(body);
      rejectUnsupportedSearch(fields);
      const limit = optionalInt(fields, "limit") ?? 10;
      const offset = optionalInt(fields, "offset") ?? 0;
      const { assistants } = await store.assistants.searchAssistants(
        { graphId: optionalString(fields, "graph_id") ?? "", metadata: optionalObject(fields, "metadata"), limit, offset },
        call,
      );
      const select = optionalStringList(fields, "select");
      // A full page may have a next one: the SDK's includePagination reads this header.
      const headers = assistants.length === limit ? { "x-pagination-next": String(offset + limit) } : undefined;
      return json(
        assistants.map((assistant) => pick(assistantJson(assistant), select)),
        headers,
      );
    }),

    route("POST", "/assistants/count", async ({ body, call }) => {
      const fields = bodyObject(body);
      rejectUnsupportedSearch(fields);
      const { count } = await store.assistants.countAssistants(
        { graphId: optionalString(fields, "graph_id") ?? "", metadata: optionalObject(fields, "metadata") },
        call,
      );
      return json(Number(count));
    }),

    route("GET", "/assistants/:assistant_id", async ({ params, call }) => {
      const { assistant } = await store.assistants.getAssistant({ assistantId: assistantId(params) }, call);
      return json(assistantJson(present(assistant, "an assistant")));
    }),

    route("PATCH", "/assistants/:assistant_id", async ({ params, body, call }) => {
      const fields = bodyObject(body);
      const { assistant } = await store.assistants.updateAssistant(
        {
          assistantId: assistantId(params),
          graphId: optionalString(fields, "graph_id") ?? "",
          config: optionalObject(fields, "config"),
          context: context(fields),
          metadata: optionalObject(fields, "metadata"),
          name: optionalString(fields, "name") ?? "",
          description: optionalString(fields, "description") ?? "",
        },
        call,
      );
      return json(assistantJson(present(assistant, "an assistant")));
    }),

    route("DELETE", "/assistants/:assistant_id", async ({ params, query, call }) => {
      const deleteThreads = queryFlag(query, "delete_threads");
      await store.assistants.deleteAssistant({ assistantId: assistantId(params), deleteThreads }, call);
      return noContent;
    }),

    route("GET", "/assistants/:assistant_id/graph", async ({ params, query, call }) => {
      const xray = query.get("xray");
      const { graph } = await store.assistants.getAssistantGraph(
        { assistantId: assistantId(params), xray: xray === null ? undefined : protoValue(xrayValue(xray)) },
        call,
      );
      return json(plain(graph));
    }),

    route("GET", "/assistants/:assistant_id/schemas", async ({ params, call }) => {
      const { schemas } = await store.assistants.getAssistantSchemas({ assistantId: assistantId(params) }, call);
      return json(plain(schemas));
    }),

    route("GET", "/assistants/:assistant_id/subgraphs", async ({ params, query, call }) => {
      const { subgraphs } = await store.assistants.getAssistantSubgraphs(
        { assistantId: assistantId(params), recurse: queryFlag(query, "recurse") },
        call,
      );
      return json(plain(subgraphs, {}));
    }),

    route("GET", "/assistants/:assistant_id/subgraphs/:namespace", async ({ params, query, call }) => {
      const { subgraphs } = await store.assistants.getAssistantSubgraphs(
        { assistantId: assistantId(params), namespace: params.namespace!, recurse: queryFlag(query, "recurse") },
        call,
      );
      return json(plain(subgraphs, {}));
    }),

    route("POST", "/assistants/:assistant_id/versions", async ({ params, body, call }) => {
      const fields = bodyObject(body);
      const { versions } = await store.assistants.listAssistantVersions(
        {
          assistantId: assistantId(params),
          limit: optionalInt(fields, "limit") ?? 0,
          offset: optionalInt(fields, "offset") ?? 0,
          metadata: optionalObject(fields, "metadata"),
        },
        call,
      );
      return json(versions.map(assistantVersionJson));
    }),

    route("POST", "/assistants/:assistant_id/latest", async ({ params, body, call }) => {
      const version = optionalInt(bodyObject(body), "version");
      if (version === undefined) throw unprocessable("version", "required");
      const { assistant } = await store.assistants.setLatestAssistantVersion({ assistantId: assistantId(params), version }, call);
      return json(assistantJson(present(assistant, "an assistant")));
    }),
  ];
}

/** The `xray` query parameter: true, false, or a subgraph depth. */
function xrayValue(text: string): boolean | number {
  if (text.toLowerCase() === "true") return true;
  if (text.toLowerCase() === "false") return false;
  if (/^\d+$/.test(text)) return Number(text);
  throw unprocessable("xray", "must be true, false or a depth");
}
