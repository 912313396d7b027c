import { Code } from "@connectrpc/connect";
import { AssistantService } from "@gatehouse/contracts";
import { ErrorReason, gatehouseError, invalidArgument } from "@gatehouse/errors";
import type { AccessGuard } from "./authorization.js";
import { changed, found } from "./found.js";
import { guardedService, rpc } from "./guarded-service.js";
import type { AssistantRepo } from "./repo/assistant-repo.js";
import type { ThreadRepo } from "./repo/thread-repo.js";
import { assistantToProto } from "./rows-to-proto.js";
import { compact, jsonObjectText, oneOf, page, requireUuid, text, uuidOrNew } from "./validate.js";
import type { WorkerCaller } from "./worker-client.js";
import { graphRpcs } from "./assistant-graph-rpcs.js";

function version(value: number): number {
  if (value < 1) throw invalidArgument("version", "must be at least 1");
  return value;
}

/** What AssistantService reads and writes besides assistants. */
export interface AssistantServiceDeps {
  /** Threads, for DeleteAssistant's delete_threads. */
  threads: ThreadRepo;
  /** The worker, for a graph's structure and schemas, and for the checkpoints of deleted threads. */
  worker: WorkerCaller;
  /** The graphs gatehouse.json declares; empty accepts any. */
  graphs: ReadonlySet<string>;
}

/** AssistantService: validates, asks the guard (through guardedService), and runs one statement with the caller's Access. */
export function assistantServiceRoute(guard: AccessGuard, assistants: AssistantRepo, { threads, worker, graphs }: AssistantServiceDeps) {
  function graphId(field: string, value: string, required: boolean): string | undefined {
    if (value === "" && !required) return undefined;
    const id = text(field, value, { required });
    if (graphs.size > 0 && !graphs.has(id)) throw invalidArgument(field, `no graph "${id}" is configured`);
    return id;
  }

  return guardedService(AssistantService, "assistants", guard, {
    createAssistant: rpc({
      authorize(request) {
        const assistantId = uuidOrNew("assistant_id", request.assistantId);
        const graph = graphId("graph_id", request.graphId, true)!;
        const ifExists = oneOf("if_exists", request.ifExists, ["raise", "do_nothing"], "raise");
        const name = text("name", request.name) || graph;
        const description = text("description", request.description);
        const configJson = jsonObjectText("config", request.config);
        const contextJson = jsonObjectText("context", request.context);
        jsonObjectText("metadata", request.metadata);
        return {
          value: {
            assistant_id: assistantId,
            graph_id: graph,
            config: request.config ?? {},
            context: request.context ?? {},
            metadata: request.metadata ?? {},
            if_exists: ifExists,
            name,
            description,
          },
          input: { assistant: { assistantId, graphId: graph, configJson, contextJson, metadata: request.metadata, name, description }, ifExists },
        };
      },
      async run({ assistant, ifExists }, access) {
        const created = await assistants.insert(assistant, access);
        if (created !== undefined) return { assistant: assistantToProto(created) };
        const existing = ifExists === "do_nothing" ? await assistants.get(assistant.assistantId, access) : undefined;
        if (existing === undefined) throw gatehouseError(Code.AlreadyExists, ErrorReason.ASSISTANT_ALREADY_EXISTS, "assistant already exists");
        return { assistant: assistantToProto(existing) };
      },
    }),

    getAssistant: rpc({
      authorize(request) {
        const assistantId = requireUuid("assistant_id", request.assistantId);
        const wanted = request.version === 0 ? undefined : version(request.version);
        return { value: { assistant_id: assistantId }, input: { assistantId, wanted } };
      },
      async run({ assistantId, wanted }, access) {
        return { assistant: assistantToProto(found(await assistants.get(assistantId, access, wanted), "assistant")) };
      },
    }),

    searchAssistants: rpc({
      authorize(request) {
        const { limit, offset } = page(request.limit, request.offset);
        const graph = request.graphId === "" ? undefined : text("graph_id", request.graphId);
        const metadataJson = request.metadata === undefined ? undefined : jsonObjectText("metadata", request.metadata);
        return {
          value: compact({ graph_id: graph, metadata: request.metadata, limit, offset }),
          input: { criteria: { graphId: graph, metadataJson }, limit, offset },
        };
      },
      async run({ criteria, limit, offset }, access) {
        return { assistants: (await assistants.search(criteria, limit, offset, access)).map(assistantToProto) };
      },
    }),

    countAssistants: rpc({
      authorize(request) {
        const graph = request.graphId === "" ? undefined : text("graph_id", request.graphId);
        const metadataJson = request.metadata === undefined ? undefined : jsonObjectText("metadata", request.metadata);
        return { value: compact({ graph_id: graph, metadata: request.metadata, limit: 0, offset: 0 }), input: { graphId: graph, metadataJson } };
      },
      async run(criteria, access) {
        return { count: BigInt(await assistants.count(criteria, access)) };
      },
    }),

    updateAssistant: rpc({
      authorize(request) {
        const assistantId = requireUuid("assistant_id", request.assistantId);
        const graph = graphId("graph_id", request.graphId, false);
        const name = request.name === "" ? undefined : text("name", request.name);
        const description = request.description === "" ? undefined : text("description", request.description);
        const configJson = request.config === undefined ? undefined : jsonObjectText("config", request.config);
        const contextJson = request.context === undefined ? undefined : jsonObjectText("context", request.context);
        jsonObjectText("metadata", request.metadata);
        return {
          value: compact({
            assistant_id: assistantId,
            graph_id: graph,
            config: request.config,
            context: request.context,
            metadata: request.metadata ?? {},
            name,
            description,
          }),
          input: { assistantId, changes: { graphId: graph, configJson, contextJson, metadataPatch: request.metadata, name, description } },
        };
      },
      async run({ assistantId, changes }, access) {
        return { assistant: assistantToProto(found(await assistants.update(assistantId, changes, access), "assistant")) };
      },
    }),

    deleteAssistant: rpc({
      authorize(request) {
        const assistantId = requireUuid("assistant_id", request.assistantId);
        return { value: { assistant_id: assistantId, delete_threads: request.deleteThreads }, input: { assistantId, deleteThreads: request.deleteThreads } };
      },
      async run({ assistantId, deleteThreads }, access, call) {
        // Fail closed: with delete_threads the caller must also pass threads:delete, and only threads that handler lets it see go.
        const threadAccess = deleteThreads ? await call.authorizeAlso("threads:delete", { assistant_id: assistantId }) : undefined;
        changed(await assistants.delete(assistantId, access), "assistant");
        if (threadAccess !== undefined) {
          const ran = await threads.ranAssistant(assistantId, threadAccess);
          if (ran.length > 0) {
            await worker.call(call.context, (client, options) => client.pruneThreadState({ threadIds: ran, keepLatest: false }, options));
            await threads.deleteMany(ran, threadAccess);
          }
        }
        return {};
      },
    }),

    listAssistantVersions: rpc({
      authorize(request) {
        const assistantId = requireUuid("assistant_id", request.assistantId);
        const { limit, offset } = page(request.limit, request.offset);
        const metadataJson = request.metadata === undefined ? undefined : jsonObjectText("metadata", request.metadata);
        return { value: compact({ assistant_id: assistantId, metadata: request.metadata }), input: { assistantId, limit, offset, metadataJson } };
      },
      async run({ assistantId, limit, offset, metadataJson }, access) {
        const versions = found(await assistants.listVersions(assistantId, access, limit, offset, metadataJson), "assistant");
        return { versions: versions.map(assistantToProto) };
      },
    }),

    setLatestAssistantVersion: rpc({
      authorize(request) {
        const assistantId = requireUuid("assistant_id", request.assistantId);
        const wanted = version(request.version);
        return { value: { assistant_id: assistantId, version: wanted }, input: { assistantId, wanted } };
      },
      async run({ assistantId, wanted }, access) {
        return { assistant: assistantToProto(found(await assistants.setLatest(assistantId, wanted, access), "assistant")) };
      },
    }),
    ...graphRpcs(assistants, worker),
  });
}
