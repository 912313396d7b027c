import { Code, type ServiceImpl } from "@connectrpc/connect";
import type { ThreadService } from "@gatehouse/contracts";
import { gatehouseError, notFound } from "@gatehouse/errors";
import type { AccessGuard } from "./access-guard.js";
import type { ThreadRepo } from "./repo/thread-repo.js";
import { threadToProto } from "./rows-to-proto.js";
import { compact, jsonObjectText, limits, oneOf, page, requireUuid, uuidOrNew } from "./validate.js";

const threadStatuses = ["idle", "busy", "interrupted", "error"] as const;

/** ThreadService: validates, asks the guard, and runs one statement with the caller's filter. */
export function createThreadService(guard: AccessGuard, threads: ThreadRepo): ServiceImpl<typeof ThreadService> {
  return {
    async createThread(request, context) {
      const threadId = uuidOrNew("thread_id", request.threadId);
      const ifExists = oneOf("if_exists", request.ifExists, ["raise", "do_nothing"], "raise");
      jsonObjectText("metadata", request.metadata);
      const access = await guard.authorize(
        context,
        compact({ thread_id: threadId, metadata: request.metadata ?? {}, if_exists: ifExists }),
      );
      const metadataJson = jsonObjectText("metadata", access.metadata ?? request.metadata);
      const created = await threads.insert(threadId, metadataJson);
      if (created !== undefined) return { thread: threadToProto(created) };
      // SPEC §5: an existing thread is returned only for do_nothing and only if the caller may see it.
      const existing = ifExists === "do_nothing" ? await threads.get(threadId, access.filter) : undefined;
      if (existing === undefined) throw gatehouseError(Code.AlreadyExists, "THREAD_ALREADY_EXISTS", "thread already exists");
      return { thread: threadToProto(existing) };
    },

    async getThread(request, context) {
      const threadId = requireUuid("thread_id", request.threadId);
      const access = await guard.authorize(context, { thread_id: threadId });
      const thread = await threads.get(threadId, access.filter);
      if (thread === undefined) throw notFound("thread");
      return { thread: threadToProto(thread) };
    },

    async searchThreads(request, context) {
      const { limit, offset } = page(request.limit, request.offset);
      const status = request.status === "" ? undefined : oneOf("status", request.status, threadStatuses, "idle");
      if (request.ids.length > limits.maxIds) throw gatehouseError(Code.InvalidArgument, "INVALID_ARGUMENT", `ids: more than ${limits.maxIds}`);
      const ids = request.ids.length === 0 ? undefined : request.ids.map((id, i) => requireUuid(`ids[${i}]`, id));
      const metadataJson = request.metadata === undefined ? undefined : jsonObjectText("metadata", request.metadata);
      const access = await guard.authorize(
        context,
        compact({ metadata: request.metadata, status, ids, limit, offset }),
      );
      const rows = await threads.search({ metadataJson, status, ids, limit, offset }, access.filter);
      return { threads: rows.map(threadToProto) };
    },
  };
}
