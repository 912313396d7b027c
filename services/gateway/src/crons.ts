import type { JsonObject } from "@bufbuild/protobuf";
import type { Cron } from "@gatehouse/contracts";
import { unprocessable } from "./errors.js";
import { bodyObject, optionalBoolean, optionalInt, optionalObject, optionalString, optionalStringList, pick, rejectFields, type Body } from "./fields.js";
import { json, noContent, route, type Route, type RouteRequest } from "./route.js";
import type { TranslatorDeps } from "./store-clients.js";
import { isoTime, object, present, requiredIsoTime, timestampFromIso } from "./wire.js";

/**
 * A cron as LangGraph's `Cron` / `CronCreateResponse` types describe it.
 * Schedules are read in UTC and every cron is enabled; `next_run_date` (when
 * the store's scheduler fires it next, null when never again) and `user_id`
 * (its owner) are the store's.
 */
export function cronJson(cron: Cron) {
  const endTime = isoTime(cron.endTime);
  return {
    cron_id: cron.cronId,
    assistant_id: cron.assistantId,
    thread_id: cron.threadId === "" ? null : cron.threadId,
    schedule: cron.schedule,
    timezone: null,
    end_time: endTime,
    next_run_date: isoTime(cron.nextRunDate),
    payload: object(cron.payload),
    metadata: object(cron.metadata),
    user_id: cron.userId === "" ? null : cron.userId,
    enabled: true,
    created_at: requiredIsoTime(cron.createdAt),
    updated_at: requiredIsoTime(cron.updatedAt),
  };
}

// Fields of a cron request that describe the cron itself; every other field is
// part of the run each firing makes, and is stored verbatim as the payload.
const cronFields = new Set(["assistant_id", "thread_id", "schedule", "end_time", "metadata", "timezone", "enabled"]);

function runPayload(fields: Body): JsonObject {
  const payload: JsonObject = {};
  for (const [key, value] of Object.entries(fields)) {
    if (!cronFields.has(key) && value !== undefined && value !== null) payload[key] = value as JsonObject[string];
  }
  return payload;
}

// Gatehouse reads schedules in UTC and keeps every cron enabled; asking otherwise is refused, not ignored.
function rejectScheduling(fields: Body): void {
  rejectFields(fields, ["timezone"], "Gatehouse reads schedules in UTC only", ["UTC", "Etc/UTC"]);
  if (optionalBoolean(fields, "enabled") === false) throw unprocessable("enabled", "disabled crons are not supported by Gatehouse");
}

/** The crons endpoints: create (for a thread or none), get, patch, delete, search and count. */
export function cronRoutes({ store }: TranslatorDeps): Route[] {
  async function create(threadId: string, { body, call }: RouteRequest) {
    const fields = bodyObject(body);
    rejectScheduling(fields);
    const { cron } = await store.crons.createCron(
      {
        threadId,
        assistantId: optionalString(fields, "assistant_id") ?? "",
        schedule: optionalString(fields, "schedule") ?? "",
        payload: runPayload(fields),
        metadata: optionalObject(fields, "metadata"),
        endTime: timestampFromIso("end_time", optionalString(fields, "end_time")),
      },
      call,
    );
    return json(cronJson(present(cron, "a cron")));
  }

  return [
    route("POST", "/threads/:thread_id/runs/crons", (request) => create(request.params.thread_id!, request)),

    route("POST", "/runs/crons", (request) => create("", request)),

    route("GET", "/runs/crons/:cron_id", async ({ params, call }) => {
      const { cron } = await store.crons.getCron({ cronId: params.cron_id! }, call);
      return json(cronJson(present(cron, "a cron")));
    }),

    // The SDK sends only the run fields that change: the store merges them into the stored payload in the update itself.
    route("PATCH", "/runs/crons/:cron_id", async ({ params, body, call }) => {
      const fields = bodyObject(body);
      rejectScheduling(fields);
      rejectFields(fields, ["end_time"], "a cron's end_time cannot be changed in Gatehouse");
      rejectFields(fields, ["metadata"], "a cron's metadata cannot be changed in Gatehouse");
      const changes = runPayload(fields);
      const payloadPatch = Object.keys(changes).length === 0 ? undefined : changes;
      const { cron } = await store.crons.updateCron({ cronId: params.cron_id!, schedule: optionalString(fields, "schedule") ?? "", payloadPatch }, call);
      return json(cronJson(present(cron, "a cron")));
    }),

    route("DELETE", "/runs/crons/:cron_id", async ({ params, call }) => {
      await store.crons.deleteCron({ cronId: params.cron_id! }, call);
      return noContent;
    }),

    route("POST", "/runs/crons/search", async ({ body, call }) => {
      const fields = bodyObject(body);
      rejectFields(fields, ["metadata"], "filtering crons by metadata is not supported by Gatehouse");
      rejectFields(fields, ["sort_by"], "Gatehouse lists crons by created_at only", ["created_at"]);
      rejectFields(fields, ["sort_order"], "Gatehouse lists crons newest first only", ["desc"]);
      // Every stored cron is enabled, so asking for disabled ones finds none.
      if (optionalBoolean(fields, "enabled") === false) return json([]);
      const { crons } = await store.crons.searchCrons(
        {
          assistantId: optionalString(fields, "assistant_id") ?? "",
          threadId: optionalString(fields, "thread_id") ?? "",
          limit: optionalInt(fields, "limit") ?? 0,
          offset: optionalInt(fields, "offset") ?? 0,
        },
        call,
      );
      const select = optionalStringList(fields, "select");
      return json(crons.map((cron) => pick(cronJson(cron), select)));
    }),

    route("POST", "/runs/crons/count", async ({ body, call }) => {
      const fields = bodyObject(body);
      rejectFields(fields, ["metadata"], "filtering crons by metadata is not supported by Gatehouse");
      const { count } = await store.crons.countCrons(
        { assistantId: optionalString(fields, "assistant_id") ?? "", threadId: optionalString(fields, "thread_id") ?? "" },
        call,
      );
      return json(Number(count));
    }),
  ];
}
