/** The actions of each resource a handler can be registered for (README "Your auth module"). */
export const actionsByResource = {
  threads: ["create", "read", "update", "delete", "search", "create_run"],
  assistants: ["create", "read", "update", "delete", "search"],
  crons: ["create", "read", "update", "delete", "search"],
  store: ["put", "get", "search", "list_namespaces", "delete"],
} as const;

export type Resource = keyof typeof actionsByResource;
export type ActionOf<R extends Resource> = (typeof actionsByResource)[R][number];
export type Action = ActionOf<Resource>;

/** A concrete event such as "threads:create". */
export type EventName = { [R in Resource]: `${R}:${ActionOf<R>}` }[Resource];

/** Every key a handler can be registered under, most specific first: "res:act", "res", "*:act", "*". */
export type HandlerKey = EventName | Resource | `*:${Action}` | "*";

export const resources = Object.keys(actionsByResource) as Resource[];

/** Every concrete event, in a stable order. */
export const allEvents: readonly EventName[] = resources.flatMap((resource) =>
  actionsByResource[resource].map((action) => `${resource}:${action}` as EventName),
);

const allActions = new Set<string>(resources.flatMap((resource) => [...actionsByResource[resource]]));
const eventSet = new Set<string>(allEvents);

/** Whether a string is a key a handler can be registered under. */
export function isHandlerKey(key: string): key is HandlerKey {
  if (key === "*" || eventSet.has(key) || (resources as string[]).includes(key)) return true;
  return key.startsWith("*:") && allActions.has(key.slice(2));
}

/** Splits "threads:create" into its resource and action. */
export function parseEvent(event: string): { event: EventName; resource: Resource; action: Action } | undefined {
  if (!eventSet.has(event)) return undefined;
  const [resource, action] = event.split(":") as [Resource, Action];
  return { event: event as EventName, resource, action };
}
