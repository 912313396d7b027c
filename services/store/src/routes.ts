import type { Route } from "@gatehouse/server";
import { assistantServiceRoute } from "./assistant-service.js";
import type { AccessGuard } from "./authorization.js";
import { callerServiceRoute } from "./caller-service.js";
import { cronServiceRoute } from "./cron-service.js";
import { itemServiceRoute } from "./item-service.js";
import { withJsonChecks } from "./json-fields.js";
import type { AssistantRepo } from "./repo/assistant-repo.js";
import type { CronRepo } from "./repo/cron-repo.js";
import type { ItemRepo } from "./repo/item-repo.js";
import type { RunEventLog } from "@gatehouse/run-events";
import type { RunRepo } from "./repo/run-repo.js";
import type { ThreadRepo } from "./repo/thread-repo.js";
import { runServiceRoute } from "./run-service.js";
import { threadServiceRoute } from "./thread-service.js";
import type { WorkerCaller } from "./worker-client.js";

/** What the store's services need. */
export interface StoreDeps {
  guard: AccessGuard;
  threads: ThreadRepo;
  assistants: AssistantRepo;
  runs: RunRepo;
  /** Where the workers publish run events, read by streams, waits and joins. */
  events: RunEventLog;
  items: ItemRepo;
  crons: CronRepo;
  graphs: ReadonlySet<string>;
  /** The worker: thread state and graph structure, asked once the caller is authorized. */
  worker: WorkerCaller;
}

/**
 * The one place the store's RPCs are listed. Each resource service is
 * registered through guardedService: a method whose contract declares no
 * known auth event stops start-up, and none runs before the guard has
 * decided. CallerService, which raises no event and reads nothing, goes
 * through authenticatedService, which refuses any method that declares one.
 * Each is wrapped in withJsonChecks, so malformed JSON fields are refused by
 * name before anything is authorized.
 */
export function routes(deps: StoreDeps): Route[] {
  const all: Route[] = [
    threadServiceRoute(deps.guard, deps.threads, deps.worker, deps.graphs),
    assistantServiceRoute(deps.guard, deps.assistants, { threads: deps.threads, worker: deps.worker, graphs: deps.graphs }),
    runServiceRoute(deps.guard, deps.runs, deps.events, deps.graphs),
    itemServiceRoute(deps.guard, deps.items),
    cronServiceRoute(deps.guard, deps.crons),
    callerServiceRoute(deps.guard),
  ];
  return all.map(({ service, impl }) => ({ service, impl: withJsonChecks(service, impl) }));
}
