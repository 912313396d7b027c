import type { EventName, Resource } from "./events.js";

/** Free-form JSON metadata that handlers stamp and filters match. */
export type Metadata = Record<string, unknown>;

/** What a threads:create handler sees. */
export interface ThreadsCreateValue {
  thread_id?: string;
  metadata?: Metadata;
  if_exists?: "raise" | "do_nothing";
  ttl?: unknown;
}
export interface ThreadsReadValue {
  thread_id: string;
  run_id?: string;
}
export interface ThreadsUpdateValue {
  thread_id: string;
  metadata?: Metadata;
  action?: "interrupt" | "rollback";
}
export interface ThreadsDeleteValue {
  thread_id: string;
  run_id?: string;
}
export interface ThreadsSearchValue {
  metadata?: Metadata;
  values?: Metadata;
  status?: string;
  limit: number;
  offset: number;
  ids?: string[];
}
export interface ThreadsCreateRunValue {
  thread_id?: string;
  assistant_id: string;
  run_id: string;
  status: string;
  metadata?: Metadata;
  multitask_strategy?: string;
  if_not_exists?: string;
  after_seconds?: number;
  kwargs: Record<string, unknown>;
}
export interface AssistantsCreateValue {
  assistant_id?: string;
  graph_id: string;
  config?: Record<string, unknown>;
  context?: Record<string, unknown>;
  metadata?: Metadata;
  if_exists?: "raise" | "do_nothing";
  name?: string;
  description?: string;
}
export interface AssistantsReadValue {
  assistant_id: string;
  metadata?: Metadata;
}
export interface AssistantsUpdateValue {
  assistant_id: string;
  graph_id?: string;
  config?: Record<string, unknown>;
  context?: Record<string, unknown>;
  metadata?: Metadata;
  name?: string;
  version?: number;
  description?: string;
}
export interface AssistantsDeleteValue {
  assistant_id: string;
}
export interface AssistantsSearchValue {
  graph_id?: string;
  metadata?: Metadata;
  limit: number;
  offset: number;
}
export interface CronsCreateValue {
  cron_id?: string;
  thread_id?: string;
  assistant_id: string;
  schedule: string;
  payload?: Record<string, unknown>;
  end_time?: string;
}
export interface CronsReadValue {
  cron_id: string;
}
export interface CronsUpdateValue {
  cron_id: string;
  schedule?: string;
  payload?: Record<string, unknown>;
}
export interface CronsDeleteValue {
  cron_id: string;
}
export interface CronsSearchValue {
  assistant_id?: string;
  thread_id?: string;
  limit: number;
  offset: number;
}
export interface StorePutValue {
  namespace: string[];
  key: string;
  value: Record<string, unknown>;
}
export interface StoreGetValue {
  namespace: string[];
  key: string;
}
export interface StoreDeleteValue {
  namespace: string[];
  key: string;
}
export interface StoreSearchValue {
  namespace: string[];
  filter?: Record<string, unknown>;
  limit: number;
  offset: number;
  query?: string;
}
export interface StoreListNamespacesValue {
  namespace?: string[];
  suffix?: string[];
  max_depth?: number;
  limit: number;
  offset: number;
}

/** The value a handler sees, per event. */
export interface EventValueMap {
  "threads:create": ThreadsCreateValue;
  "threads:read": ThreadsReadValue;
  "threads:update": ThreadsUpdateValue;
  "threads:delete": ThreadsDeleteValue;
  "threads:search": ThreadsSearchValue;
  "threads:create_run": ThreadsCreateRunValue;
  "assistants:create": AssistantsCreateValue;
  "assistants:read": AssistantsReadValue;
  "assistants:update": AssistantsUpdateValue;
  "assistants:delete": AssistantsDeleteValue;
  "assistants:search": AssistantsSearchValue;
  "crons:create": CronsCreateValue;
  "crons:read": CronsReadValue;
  "crons:update": CronsUpdateValue;
  "crons:delete": CronsDeleteValue;
  "crons:search": CronsSearchValue;
  "store:put": StorePutValue;
  "store:get": StoreGetValue;
  "store:delete": StoreDeleteValue;
  "store:search": StoreSearchValue;
  "store:list_namespaces": StoreListNamespacesValue;
}

/** The value a handler registered under `key` may see: the union over the events the key covers. */
export type ValueForKey<K extends string> = K extends EventName
  ? EventValueMap[K]
  : K extends Resource
    ? EventValueMap[Extract<EventName, `${K}:${string}`>]
    : K extends `*:${infer A}`
      ? EventValueMap[Extract<EventName, `${string}:${A}`>]
      : EventValueMap[EventName];
