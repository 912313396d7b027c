import { randomUUID } from "node:crypto";
import { Code, type ServiceImpl } from "@connectrpc/connect";
import type { ThreadService } from "@gatehouse/contracts";
import { ErrorReason, gatehouseError, notFound } from "@gatehouse/errors";
import type { AccessGuard } from "./access-guard.js";
import type { ThreadRepo } from "./repo/thread-repo.js";
import { threadToProto } from "./rows-to-proto.js";
import { compact, idList, jsonObjectText, oneOf, optionalOneOf, page, requireUuid, sortFields, sortOrders, uuidOrNew } from "./validate.js";

const threadStatuses = ["idle", "busy", "interrupted", "error"] as const;

function alreadyExists() {
  return gatehouseError(Code.AlreadyExists, ErrorReason.THREAD_ALREADY_EXISTS, "thread already exists");
}

/** ThreadService: validates, asks the guard, and runs one statement with the caller's filter. */
export function createThreadService(guard: AccessGuard, threads: ThreadRepo): ServiceImpl<typeof ThreadService> {
  return {
    async createThread(request, context) {
      const threadId = uuidOrNew("thread_id", request.threadId);
      const ifExists = oneOf("if_exists", request.ifExists, ["raise", "do_nothing"], "raise");
      jsonObjectText("metadata", request.metadata);
      const access = await guard.authorize(context, { thread_id: threadId, metadata: request.metadata ?? {}, if_exists: ifExists });
      const created = await threads.insert(threadId, jsonObjectText("metadata", access.metadata ?? request.metadata));
      if (created !== undefined) return { thread: threadToProto(created) };
      // README "Errors": an existing thread is returned only for do_nothing and only if the caller may see it.
      const existing = ifExists === "do_nothing" ? await threads.get(threadId, access.filter) : undefined;
      if (existing === undefined) throw alreadyExists();
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
      const status = optionalOneOf("status", request.status, threadStatuses);
      const sortBy = oneOf("sort_by", request.sortBy, sortFields, "created_at");
      const sortOrder = oneOf("sort_order", request.sortOrder, sortOrders, "desc");
      const ids = idList("ids", request.ids);
      const metadataJson = request.metadata === undefined ? undefined : jsonObjectText("metadata", request.metadata);
      const access = await guard.authorize(context, compact({ metadata: request.metadata, status, ids, limit, offset }));
      const rows = await threads.search({ metadataJson, status, ids }, { limit, offset, sortBy, sortOrder }, access.filter);
      return { threads: rows.map(threadToProto) };
    },

    async countThreads(request, context) {
      const status = optionalOneOf("status", request.status, threadStatuses);
      const metadataJson = request.metadata === undefined ? undefined : jsonObjectText("metadata", request.metadata);
      const access = await guard.authorize(context, compact({ metadata: request.metadata, status, limit: 0, offset: 0 }));
      return { count: BigInt(await threads.count({ metadataJson, status }, access.filter)) };
    },

    async updateThread(request, context) {
      const threadId = requireUuid("thread_id", request.threadId);
      jsonObjectText("metadata", request.metadata);
      const access = await guard.authorize(context, { thread_id: threadId, metadata: request.metadata ?? {} });
      const updated = await threads.mergeMetadata(threadId, jsonObjectText("metadata", access.metadata ?? request.metadata), access.filter);
      if (updated === undefined) throw notFound("thread");
      return { thread: threadToProto(updated) };
    },

    async deleteThread(request, context) {
      const threadId = requireUuid("thread_id", request.threadId);
      const access = await guard.authorize(context, { thread_id: threadId });
      if (!(await threads.delete(threadId, access.filter))) throw notFound("thread");
      return {};
    },

    async copyThread(request, context) {
      const threadId = requireUuid("thread_id", request.threadId);
      const read = await guard.authorize(context, { thread_id: threadId });
      const source = await threads.get(threadId, read.filter);
      if (source === undefined) throw notFound("thread");
      const copyId = randomUUID();
      // The copy is a new thread: the threads:create handler stamps it like any other.
      const create = await guard.authorizeEvent(context, "threads:create", {
        thread_id: copyId,
        metadata: source.metadata,
        if_exists: "raise",
      });
      const copy = await threads.insert(copyId, jsonObjectText("metadata", create.metadata ?? source.metadata), source);
      if (copy === undefined) throw alreadyExists();
      return { thread: threadToProto(copy) };
    },
  };
}
