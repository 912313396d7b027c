import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { ThreadService } from "@gatehouse/contracts";
import { ErrorReason, gatehouseError, invalidArgument } from "@gatehouse/errors";
import type { AccessGuard } from "./authorization.js";
import { changed, found } from "./found.js";
import { guardedService, rpc } from "./guarded-service.js";
import type { ThreadRepo } from "./repo/thread-repo.js";
import { threadToProto } from "./rows-to-proto.js";
import { graphIdOf, threadStateRpcs } from "./thread-state-rpcs.js";
import { compact, idList, jsonObjectText, oneOf, optionalOneOf, page, requireUuid, sortFields, sortOrders, uuidOrNew } from "./validate.js";
import type { WorkerCaller } from "./worker-client.js";

const threadStatuses = ["idle", "busy", "interrupted", "error"] as const;

function alreadyExists() {
  return gatehouseError(Code.AlreadyExists, ErrorReason.THREAD_ALREADY_EXISTS, "thread already exists");
}

/**
 * ThreadService: validates, asks the guard (through guardedService), and runs
 * one statement with the caller's Access; what only the worker holds (a
 * thread's checkpoints) it asks the worker for once that statement has proved
 * the thread visible.
 */
export function threadServiceRoute(guard: AccessGuard, threads: ThreadRepo, worker: WorkerCaller, graphs: ReadonlySet<string>) {
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
      async run(threadId, access, call) {
        // A thread's checkpoints go first, so a later thread created with the same id starts empty.
        const thread = found(await threads.graphOf(threadId, access), "thread");
        if (graphIdOf(thread, graphs) !== null) {
          await worker.call(call.context, (client, options) => client.pruneThreadState({ threadIds: [threadId], keepLatest: false }, options)).catch((error: unknown) => {
            // Only a thread nothing has executed on (its runs all still pending) may go without a worker: it has no checkpoints.
            if (thread.executed || !(error instanceof ConnectError) || error.code !== Code.Unavailable) throw error;
          });
        }
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
        // The copy's checkpoints need their graph: the copy has no runs, so its metadata names it, as a run would have stamped it.
        const graphId = graphIdOf(found(await threads.graphOf(threadId, read), "thread"), graphs);
        const metadata = graphId === null || source.metadata.graph_id !== undefined ? source.metadata : { ...source.metadata, graph_id: graphId };
        const copyId = randomUUID();
        // The copy is a new thread: the threads:create handler stamps it like any other.
        const create = await call.authorizeAlso("threads:create", { thread_id: copyId, metadata, if_exists: "raise" });
        const copy = await threads.insert(copyId, create, metadata, source);
        if (copy === undefined) throw alreadyExists();
        // A thread with no graph never ran and has no checkpoints: nothing for the worker to copy.
        if (graphId === null) return { thread: threadToProto(copy) };
        try {
          await worker.call(call.context, (client, options) => client.copyThreadState({ fromThreadId: threadId, toThreadId: copyId }, options));
        } catch (error) {
          // No half copy: a thread without the source's state is removed again (it is new, no one else has it yet).
          await threads.delete(copyId, create).catch(() => {});
          throw error;
        }
        return { thread: threadToProto(copy) };
      },
    }),

    ...threadStateRpcs(threads, worker, graphs),

    pruneThreads: rpc({
      authorize(request) {
        if (request.threadIds.length > 1000) throw invalidArgument("thread_ids", "at most 1000 ids");
        const threadIds = [...new Set(request.threadIds.map((id, index) => requireUuid(`thread_ids[${index}]`, id)))];
        const strategy = oneOf("strategy", request.strategy, ["delete", "keep_latest"], "delete");
        return { value: { thread_ids: threadIds, strategy }, input: { threadIds, strategy } };
      },
      async run({ threadIds, strategy }, access, call) {
        // Only the threads the caller may delete; the others are left alone and not counted.
        const visible = await threads.visibleIds(threadIds, access);
        if (visible.length === 0) return { pruned: 0 };
        // Checkpoints first: a thread row never outlives its state being dropped, so a later thread with the same id starts empty.
        await worker.call(call.context, (client, options) => client.pruneThreadState({ threadIds: visible, keepLatest: strategy === "keep_latest" }, options));
        if (strategy === "keep_latest") return { pruned: visible.length };
        return { pruned: (await threads.deleteMany(visible, access)).length };
      },
    }),
  });
}
