import { randomUUID } from "node:crypto";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { CronService } from "@gatehouse/contracts";
import { invalidArgument, notFound } from "@gatehouse/errors";
import { matchAll } from "@gatehouse/filters";
import type { AccessGuard } from "./access-guard.js";
import { validateCronSchedule } from "./cron-schedule.js";
import type { CronRepo } from "./repo/cron-repo.js";
import { cronToProto } from "./rows-to-proto.js";
import { compact, jsonObjectText, limits, page, requireUuid, text } from "./validate.js";

function optionalUuid(field: string, value: string): string | undefined {
  return value === "" ? undefined : requireUuid(field, value);
}

/** CronService: schedules are stored and served, never executed. */
export function createCronService(guard: AccessGuard, crons: CronRepo): ServiceImpl<typeof CronService> {
  return {
    async createCron(request, context) {
      const threadId = optionalUuid("thread_id", request.threadId);
      const assistantId = text("assistant_id", request.assistantId, { required: true });
      const schedule = validateCronSchedule(text("schedule", request.schedule, { required: true }));
      const endTime = request.endTime === undefined ? undefined : timestampDate(request.endTime);
      if (endTime !== undefined && endTime.getTime() <= Date.now()) throw invalidArgument("end_time", "must be in the future");
      const payloadJson = jsonObjectText("payload", request.payload, limits.maxValueBytes);
      jsonObjectText("metadata", request.metadata);
      const cronId = randomUUID();
      const access = await guard.authorize(
        context,
        compact({
          cron_id: cronId,
          thread_id: threadId,
          assistant_id: assistantId,
          schedule,
          payload: request.payload ?? {},
          metadata: request.metadata ?? {},
          end_time: endTime?.toISOString(),
        }),
      );
      // A cron bound to a thread needs the caller to see that thread, like a run on it.
      const threadFilter = threadId === undefined ? matchAll : (await guard.authorizeEvent(context, "threads:read", { thread_id: threadId })).filter;
      const cron = await crons.insert(
        { cronId, threadId, assistantId, schedule, payloadJson, metadataJson: jsonObjectText("metadata", access.metadata ?? request.metadata), endTime },
        threadFilter,
      );
      if (cron === undefined) throw notFound("thread");
      return { cron: cronToProto(cron) };
    },

    async getCron(request, context) {
      const cronId = requireUuid("cron_id", request.cronId);
      const access = await guard.authorize(context, { cron_id: cronId });
      const cron = await crons.get(cronId, access.filter);
      if (cron === undefined) throw notFound("cron");
      return { cron: cronToProto(cron) };
    },

    async updateCron(request, context) {
      const cronId = requireUuid("cron_id", request.cronId);
      const schedule = request.schedule === "" ? undefined : validateCronSchedule(text("schedule", request.schedule));
      const payloadJson = request.payload === undefined ? undefined : jsonObjectText("payload", request.payload, limits.maxValueBytes);
      const access = await guard.authorize(context, compact({ cron_id: cronId, schedule, payload: request.payload }));
      const cron = await crons.update(cronId, schedule, payloadJson, access.filter);
      if (cron === undefined) throw notFound("cron");
      return { cron: cronToProto(cron) };
    },

    async deleteCron(request, context) {
      const cronId = requireUuid("cron_id", request.cronId);
      const access = await guard.authorize(context, { cron_id: cronId });
      if (!(await crons.delete(cronId, access.filter))) throw notFound("cron");
      return {};
    },

    async searchCrons(request, context) {
      const assistantId = request.assistantId === "" ? undefined : text("assistant_id", request.assistantId);
      const threadId = optionalUuid("thread_id", request.threadId);
      const { limit, offset } = page(request.limit, request.offset);
      const access = await guard.authorize(context, compact({ assistant_id: assistantId, thread_id: threadId, limit, offset }));
      const rows = await crons.search({ assistantId, threadId }, limit, offset, access.filter);
      return { crons: rows.map(cronToProto) };
    },

    async countCrons(request, context) {
      const assistantId = request.assistantId === "" ? undefined : text("assistant_id", request.assistantId);
      const threadId = optionalUuid("thread_id", request.threadId);
      const access = await guard.authorize(context, compact({ assistant_id: assistantId, thread_id: threadId, limit: 0, offset: 0 }));
      return { count: BigInt(await crons.count({ assistantId, threadId }, access.filter)) };
    },
  };
}
