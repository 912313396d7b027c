import type { Thread } from "@gatehouse/contracts";
import { bodyObject, optionalInt, optionalObject, optionalString, optionalStringList, pick, rejectFields } from "./fields.js";
import { json, noContent, route, type Route } from "./route.js";
import type { TranslatorDeps } from "./store-clients.js";
import { object, present, requiredIsoTime } from "./wire.js";

const noState = "Gatehouse keeps no graph state, so threads cannot be created from or filtered by state";
const noTtl = "thread time-to-live is not supported by Gatehouse";

/**
 * A thread as LangGraph's `Thread` type describes it. Gatehouse keeps no
 * checkpoints, so `state_updated_at` is the thread's `updated_at`,
 * `interrupts` is empty and `config` is `{}`.
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
    interrupts: {},
    config: {},
    error: null,
  };
}

/** The threads endpoints: create, get, patch, delete, search, count, copy. */
export function threadRoutes({ store }: TranslatorDeps): Route[] {
  return [
    route("POST", "/threads", async ({ body, call }) => {
      const fields = bodyObject(body);
      rejectFields(fields, ["supersteps"], noState);
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
      rejectFields(fields, ["values"], noState);
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
      rejectFields(fields, ["values"], noState);
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
  ];
}
