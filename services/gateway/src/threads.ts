import type { JsonObject } from "@bufbuild/protobuf";
import type { Thread } from "@gatehouse/contracts";
import { unprocessable } from "./errors.js";
import { bodyObject, optionalBoolean, optionalInt, optionalJson, optionalObject, optionalString, optionalStringList, pick, queryFlag, rejectFields, type Body } from "./fields.js";
import { json, noContent, route, type Route } from "./route.js";
import type { TranslatorDeps } from "./store-clients.js";
import { object, plain, present, protoValue, requiredIsoTime } from "./wire.js";

const noSupersteps = "creating a thread from supersteps is not supported by Gatehouse; create it, then update its state";
const noValuesFilter = "filtering threads by their state values is not supported by Gatehouse; filter by metadata";
const noTtl = "thread time-to-live is not supported by Gatehouse";

/**
 * A thread as LangGraph's `Thread` type describes it: its latest values and
 * pending interrupts as the last run left them; `state_updated_at` is the
 * thread's `updated_at`.
 */
export function threadJson(thread: Thread) {
  const updatedAt = requiredIsoTime(thread.updatedAt);
  return {
    thread_id: thread.threadId,
    created_at: requiredIsoTime(thread.createdAt),
    updated_at: updatedAt,
    state_updated_at: updatedAt,
    metadata: object(thread.metadata),
    status: thread.status || "idle",
    values: object(thread.values),
    interrupts: object(thread.interrupts),
    config: {},
    error: null,
  };
}

/** The threads endpoints: create, get, patch, delete, search, count, copy. */
export function threadRoutes({ store }: TranslatorDeps): Route[] {
  return [
    route("POST", "/threads", async ({ body, call }) => {
      const fields = bodyObject(body);
      rejectFields(fields, ["supersteps"], noSupersteps);
      rejectFields(fields, ["ttl"], noTtl);
      const { thread } = await store.threads.createThread(
        {
          threadId: optionalString(fields, "thread_id") ?? "",
          metadata: optionalObject(fields, "metadata"),
          ifExists: optionalString(fields, "if_exists") ?? "",
        },
        call,
      );
      return json(threadJson(present(thread, "a thread")));
    }),

    route("POST", "/threads/search", async ({ body, call }) => {
      const fields = bodyObject(body);
      rejectFields(fields, ["values"], noValuesFilter);
      rejectFields(fields, ["extract"], "extracting values is not supported by Gatehouse");
      const { threads } = await store.threads.searchThreads(
        {
          metadata: optionalObject(fields, "metadata"),
          status: optionalString(fields, "status") ?? "",
          ids: optionalStringList(fields, "ids") ?? [],
          limit: optionalInt(fields, "limit") ?? 0,
          offset: optionalInt(fields, "offset") ?? 0,
          sortBy: optionalString(fields, "sort_by") ?? "",
          sortOrder: optionalString(fields, "sort_order") ?? "",
        },
        call,
      );
      const select = optionalStringList(fields, "select");
      return json(threads.map((thread) => pick(threadJson(thread), select)));
    }),

    route("POST", "/threads/count", async ({ body, call }) => {
      const fields = bodyObject(body);
      rejectFields(fields, ["values"], noValuesFilter);
      const { count } = await store.threads.countThreads(
        { metadata: optionalObject(fields, "metadata"), status: optionalString(fields, "status") ?? "" },
        call,
      );
      return json(Number(count));
    }),

    route("GET", "/threads/:thread_id", async ({ params, call }) => {
      const { thread } = await store.threads.getThread({ threadId: params.thread_id! }, call);
      return json(threadJson(present(thread, "a thread")));
    }),

    route("PATCH", "/threads/:thread_id", async ({ params, body, headers, call }) => {
      const fields = bodyObject(body);
      rejectFields(fields, ["ttl"], noTtl);
      const { thread } = await store.threads.updateThread({ threadId: params.thread_id!, metadata: optionalObject(fields, "metadata") }, call);
      // The SDK's returnMinimal sends `Prefer: return=minimal` and expects no body.
      if (/\breturn=minimal\b/i.test(String(headers.prefer ?? ""))) return noContent;
      return json(threadJson(present(thread, "a thread")));
    }),

    route("DELETE", "/threads/:thread_id", async ({ params, call }) => {
      await store.threads.deleteThread({ threadId: params.thread_id! }, call);
      return noContent;
    }),

    route("POST", "/threads/:thread_id/copy", async ({ params, call }) => {
      const { thread } = await store.threads.copyThread({ threadId: params.thread_id! }, call);
      return json(threadJson(present(thread, "a thread")));
    }),

    route("GET", "/threads/:thread_id/state", async ({ params, query, call }) => {
      const { state } = await store.threads.getThreadState({ threadId: params.thread_id!, subgraphs: queryFlag(query, "subgraphs") }, call);
      return json(plain(state));
    }),

    route("GET", "/threads/:thread_id/state/:checkpoint_id", async ({ params, query, call }) => {
      const { state } = await store.threads.getThreadState(
        { threadId: params.thread_id!, checkpoint: { checkpoint_id: params.checkpoint_id! }, subgraphs: queryFlag(query, "subgraphs") },
        call,
      );
      return json(plain(state));
    }),

    route("POST", "/threads/:thread_id/state/checkpoint", async ({ params, body, call }) => {
      const fields = bodyObject(body);
      const { state } = await store.threads.getThreadState(
        { threadId: params.thread_id!, checkpoint: checkpointOf(fields), subgraphs: optionalBoolean(fields, "subgraphs") ?? false },
        call,
      );
      return json(plain(state));
    }),

    route("POST", "/threads/:thread_id/state", async ({ params, body, call }) => {
      const fields = bodyObject(body);
      const { checkpoint } = await store.threads.updateThreadState(
        {
          threadId: params.thread_id!,
          values: protoValue(optionalJson(fields, "values")),
          asNode: optionalString(fields, "as_node") ?? "",
          checkpoint: checkpointOf(fields),
        },
        call,
      );
      return json({ checkpoint: object(checkpoint) });
    }),

    route("GET", "/threads/:thread_id/history", async ({ params, query, call }) => {
      const limit = query.get("limit");
      const before = query.get("before");
      const { states } = await store.threads.getThreadHistory(
        {
          threadId: params.thread_id!,
          limit: limit === null ? 0 : positiveInt("limit", limit),
          before: before === null ? undefined : { checkpoint_id: before },
        },
        call,
      );
      return json(states.map((state) => plain(state)));
    }),

    route("POST", "/threads/:thread_id/history", async ({ params, body, call }) => {
      const fields = bodyObject(body);
      const before = fields.before;
      const { states } = await store.threads.getThreadHistory(
        {
          threadId: params.thread_id!,
          limit: optionalInt(fields, "limit") ?? 0,
          before: typeof before === "string" ? { checkpoint_id: before } : optionalObject(fields, "before"),
          metadata: optionalObject(fields, "metadata"),
          checkpoint: optionalObject(fields, "checkpoint"),
        },
        call,
      );
      return json(states.map((state) => plain(state)));
    }),

    route("POST", "/threads/prune", async ({ body, call }) => {
      const fields = bodyObject(body);
      const { pruned } = await store.threads.pruneThreads(
        { threadIds: optionalStringList(fields, "thread_ids") ?? [], strategy: optionalString(fields, "strategy") ?? "" },
        call,
      );
      return json({ pruned_count: pruned });
    }),
  ];
}

/** `checkpoint` (an object) or `checkpoint_id` of a state request, as the store's checkpoint Struct. */
function checkpointOf(fields: Body): JsonObject | undefined {
  const checkpointId = optionalString(fields, "checkpoint_id");
  return optionalObject(fields, "checkpoint") ?? (checkpointId === undefined ? undefined : { checkpoint_id: checkpointId });
}

function positiveInt(name: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 2 ** 31 - 1) throw unprocessable(name, "must be a positive 32-bit integer");
  return Number(text);
}
