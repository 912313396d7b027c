import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { ThreadService } from "@gatehouse/contracts";
import { ErrorReason, gatehouseError } from "@gatehouse/errors";
import type { AccessGuard } from "./authorization.js";
import { changed, found } from "./found.js";
import { guardedService, rpc } from "./guarded-service.js";
import { pendingRpc } from "./pending-rpcs.js";
import type { ThreadRepo } from "./repo/thread-repo.js";
import { threadToProto } from "./rows-to-proto.js";
import { compact, idList, jsonObjectText, oneOf, optionalOneOf, page, requireUuid, sortFields, sortOrders, uuidOrNew } from "./validate.js";

const threadStatuses = ["idle", "busy", "interrupted", "error"] as const;

function alreadyExists() {
  return gatehouseError(Code.AlreadyExists, ErrorReason.THREAD_ALREADY_EXISTS, "thread already exists");
}

/** ThreadService: validates, asks the guard (through guardedService), and runs one statement with the caller's Access. */
export function threadServiceRoute(guard: AccessGuard, threads: ThreadRepo) {
  return guardedService(ThreadService, "threads", guard, {
    createThread: rpc({
      authorize(request) {
        const threadId = uuidOrNew("thread_id", request.threadId);
        const ifExists = oneOf("if_exists", request.ifExists, ["raise", "do_nothing"], "raise");
        jsonObjectText("metadata", request.metadata);
        return { value: { thread_id: threadId, metadata: request.metadata ?? {}, if_exists: ifExists }, input: { threadId, ifExists, metadata: request.metadata } };
      },
      async run({ threadId, ifExists, metadata }, access) {
        const created = await threads.insert(threadId, access, metadata);
        if (created !== undefined) return { thread: threadToProto(created) };
        // README "Errors": an existing thread is returned only for do_nothing and only if the caller may see it.
        const existing = ifExists === "do_nothing" ? await threads.get(threadId, access) : undefined;
        if (existing === undefined) throw alreadyExists();
        return { thread: threadToProto(existing) };
      },
    }),

    getThread: rpc({
      authorize(request) {
        const threadId = requireUuid("thread_id", request.threadId);
        return { value: { thread_id: threadId }, input: threadId };
      },
      async run(threadId, access) {
        return { thread: threadToProto(found(await threads.get(threadId, access), "thread")) };
      },
    }),

    searchThreads: rpc({
      authorize(request) {
        const { limit, offset } = page(request.limit, request.offset);
        const status = optionalOneOf("status", request.status, threadStatuses);
        const sortBy = oneOf("sort_by", request.sortBy, sortFields, "created_at");
        const sortOrder = oneOf("sort_order", request.sortOrder, sortOrders, "desc");
        const ids = idList("ids", request.ids);
        const metadataJson = request.metadata === undefined ? undefined : jsonObjectText("metadata", request.metadata);
        return {
          value: compact({ metadata: request.metadata, status, ids, limit, offset }),
          input: { criteria: { metadataJson, status, ids }, page: { limit, offset, sortBy, sortOrder } },
        };
      },
      async run({ criteria, page }, access) {
        return { threads: (await threads.search(criteria, page, access)).map(threadToProto) };
      },
    }),

    countThreads: rpc({
      authorize(request) {
        const status = optionalOneOf("status", request.status, threadStatuses);
        const metadataJson = request.metadata === undefined ? undefined : jsonObjectText("metadata", request.metadata);
        return { value: compact({ metadata: request.metadata, status, limit: 0, offset: 0 }), input: { metadataJson, status } };
      },
      async run(criteria, access) {
        return { count: BigInt(await threads.count(criteria, access)) };
      },
    }),

    updateThread: rpc({
      authorize(request) {
        const threadId = requireUuid("thread_id", request.threadId);
        jsonObjectText("metadata", request.metadata);
        return { value: { thread_id: threadId, metadata: request.metadata ?? {} }, input: { threadId, metadata: request.metadata } };
      },
      async run({ threadId, metadata }, access) {
        return { thread: threadToProto(found(await threads.mergeMetadata(threadId, access, metadata), "thread")) };
      },
    }),

    deleteThread: rpc({
      authorize(request) {
        const threadId = requireUuid("thread_id", request.threadId);
        return { value: { thread_id: threadId }, input: threadId };
      },
      async run(threadId, access) {
        changed(await threads.delete(threadId, access), "thread");
        return {};
      },
    }),

    copyThread: rpc({
      authorize(request) {
        const threadId = requireUuid("thread_id", request.threadId);
        return { value: { thread_id: threadId }, input: threadId };
      },
      async run(threadId, read, call) {
        const source = found(await threads.get(threadId, read), "thread");
        const copyId = randomUUID();
        // The copy is a new thread: the threads:create handler stamps it like any other.
        const create = await call.authorizeAlso("threads:create", { thread_id: copyId, metadata: source.metadata, if_exists: "raise" });
        const copy = await threads.insert(copyId, create, source.metadata, source);
        if (copy === undefined) throw alreadyExists();
        return { thread: threadToProto(copy) };
      },
    }),
    getThreadState: pendingRpc("thread_id") as never,
    getThreadHistory: pendingRpc("thread_id") as never,
    updateThreadState: pendingRpc("thread_id") as never,
    pruneThreads: pendingRpc("thread_id") as never,
  });
}
