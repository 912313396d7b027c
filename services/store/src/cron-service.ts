import { randomUUID } from "node:crypto";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { CronService } from "@gatehouse/contracts";
import { invalidArgument } from "@gatehouse/errors";
import type { AccessGuard } from "./authorization.js";
import { changed, found } from "./found.js";
import { guardedService, rpc } from "./guarded-service.js";
import { nextFiring, nextRunAfter, validateCronSchedule } from "./cron-schedule.js";
import type { CronRepo } from "./repo/cron-repo.js";
import { cronToProto } from "./rows-to-proto.js";
import { compact, jsonObjectText, limits, page, requireUuid, text } from "./validate.js";

function optionalUuid(field: string, value: string): string | undefined {
  return value === "" ? undefined : requireUuid(field, value);
}

/**
 * CronService: schedules stored with their owner (the caller who creates
 * them) and their next firing, which the scheduler (cron-scheduler.ts) acts on.
 */
export function cronServiceRoute(guard: AccessGuard, crons: CronRepo) {
  return guardedService(CronService, "crons", guard, {
    createCron: rpc({
      authorize(request) {
        const threadId = optionalUuid("thread_id", request.threadId);
        const assistantId = text("assistant_id", request.assistantId, { required: true });
        const schedule = validateCronSchedule(text("schedule", request.schedule, { required: true }));
        const endTime = request.endTime === undefined ? undefined : timestampDate(request.endTime);
        if (endTime !== undefined && endTime.getTime() <= Date.now()) throw invalidArgument("end_time", "must be in the future");
        const payloadJson = jsonObjectText("payload", request.payload, limits.maxValueBytes);
        jsonObjectText("metadata", request.metadata);
        const cronId = randomUUID();
        const value = compact({
          cron_id: cronId,
          thread_id: threadId,
          assistant_id: assistantId,
          schedule,
          payload: request.payload ?? {},
          metadata: request.metadata ?? {},
          end_time: endTime?.toISOString(),
        });
        const nextRunDate = nextFiring(schedule, new Date(), endTime);
        return { value, input: { cronId, threadId, assistantId, schedule, payloadJson, metadata: request.metadata, endTime, nextRunDate } };
      },
      async run(cron, access, call) {
        // A cron bound to a thread needs the caller to see that thread, like a run on it.
        const thread = cron.threadId === undefined ? undefined : await call.authorizeAlso("threads:read", { thread_id: cron.threadId });
        return { cron: cronToProto(found(await crons.insert({ ...cron, owner: access.user }, access, thread), "thread")) };
      },
    }),

    getCron: rpc({
      authorize(request) {
        const cronId = requireUuid("cron_id", request.cronId);
        return { value: { cron_id: cronId }, input: cronId };
      },
      async run(cronId, access) {
        return { cron: cronToProto(found(await crons.get(cronId, access), "cron")) };
      },
    }),

    updateCron: rpc({
      authorize(request) {
        const cronId = requireUuid("cron_id", request.cronId);
        const schedule = request.schedule === "" ? undefined : validateCronSchedule(text("schedule", request.schedule));
        if (request.payload !== undefined && request.payloadPatch !== undefined) throw invalidArgument("payload_patch", "cannot be combined with payload");
        const payloadJson = request.payload === undefined ? undefined : jsonObjectText("payload", request.payload, limits.maxValueBytes);
        const payloadPatchJson = request.payloadPatch === undefined ? undefined : jsonObjectText("payload_patch", request.payloadPatch, limits.maxValueBytes);
        return {
          value: compact({ cron_id: cronId, schedule, payload: request.payload ?? request.payloadPatch }),
          input: { cronId, changes: { schedule, nextRunDate: schedule === undefined ? undefined : nextRunAfter(schedule, new Date()), payloadJson, payloadPatchJson } },
        };
      },
      async run({ cronId, changes }, access) {
        return { cron: cronToProto(found(await crons.update(cronId, changes, access), "cron")) };
      },
    }),

    deleteCron: rpc({
      authorize(request) {
        const cronId = requireUuid("cron_id", request.cronId);
        return { value: { cron_id: cronId }, input: cronId };
      },
      async run(cronId, access) {
        changed(await crons.delete(cronId, access), "cron");
        return {};
      },
    }),

    searchCrons: rpc({
      authorize(request) {
        const assistantId = request.assistantId === "" ? undefined : text("assistant_id", request.assistantId);
        const threadId = optionalUuid("thread_id", request.threadId);
        const { limit, offset } = page(request.limit, request.offset);
        return { value: compact({ assistant_id: assistantId, thread_id: threadId, limit, offset }), input: { criteria: { assistantId, threadId }, limit, offset } };
      },
      async run({ criteria, limit, offset }, access) {
        return { crons: (await crons.search(criteria, limit, offset, access)).map(cronToProto) };
      },
    }),

    countCrons: rpc({
      authorize(request) {
        const assistantId = request.assistantId === "" ? undefined : text("assistant_id", request.assistantId);
        const threadId = optionalUuid("thread_id", request.threadId);
        return { value: compact({ assistant_id: assistantId, thread_id: threadId, limit: 0, offset: 0 }), input: { assistantId, threadId } };
      },
      async run(criteria, access) {
        return { count: BigInt(await crons.count(criteria, access)) };
      },
    }),
  });
}
