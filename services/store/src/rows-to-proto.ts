import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { AssistantSchema, CronSchema, ItemSchema, RunSchema, ThreadSchema } from "@gatehouse/contracts";
import type { CronRow } from "./repo/cron-repo.js";
import type { AssistantRow } from "./repo/assistant-repo.js";
import type { ItemRow } from "./repo/item-repo.js";
import type { RunRow } from "./repo/run-repo.js";
import type { ThreadRow } from "./repo/thread-repo.js";

export function threadToProto(row: ThreadRow): MessageInitShape<typeof ThreadSchema> {
  return {
    threadId: row.thread_id,
    createdAt: timestampFromDate(row.created_at),
    updatedAt: timestampFromDate(row.updated_at),
    metadata: row.metadata,
    status: row.status,
    values: row.values,
  };
}

export function assistantToProto(row: AssistantRow): MessageInitShape<typeof AssistantSchema> {
  return {
    assistantId: row.assistant_id,
    graphId: row.graph_id,
    config: row.config,
    context: row.context,
    metadata: row.metadata,
    name: row.name,
    description: row.description,
    version: row.version,
    createdAt: timestampFromDate(row.created_at),
    updatedAt: timestampFromDate(row.updated_at),
  };
}

export function runToProto(row: RunRow): MessageInitShape<typeof RunSchema> {
  return {
    runId: row.run_id,
    threadId: row.thread_id,
    assistantId: row.assistant_id,
    status: row.status,
    metadata: row.metadata,
    kwargs: row.kwargs,
    multitaskStrategy: row.multitask_strategy,
    createdAt: timestampFromDate(row.created_at),
    updatedAt: timestampFromDate(row.updated_at),
  };
}

export function itemToProto(row: ItemRow): MessageInitShape<typeof ItemSchema> {
  return {
    namespace: row.namespace,
    key: row.key,
    value: row.value,
    createdAt: timestampFromDate(row.created_at),
    updatedAt: timestampFromDate(row.updated_at),
  };
}

export function cronToProto(row: CronRow): MessageInitShape<typeof CronSchema> {
  return {
    cronId: row.cron_id,
    threadId: row.thread_id ?? "",
    assistantId: row.assistant_id,
    schedule: row.schedule,
    payload: row.payload,
    metadata: row.metadata,
    endTime: row.end_time === null ? undefined : timestampFromDate(row.end_time),
    createdAt: timestampFromDate(row.created_at),
    updatedAt: timestampFromDate(row.updated_at),
    nextRunDate: row.next_run_date === null ? undefined : timestampFromDate(row.next_run_date),
    userId: row.user_id ?? "",
  };
}
