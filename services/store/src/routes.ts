import { AssistantService, CronService, ItemService, RunService, ThreadService } from "@gatehouse/contracts";
import type { Route } from "@gatehouse/server";
import { authEventOf, type AccessGuard } from "./access-guard.js";
import { createAssistantService } from "./assistant-service.js";
import { createCronService } from "./cron-service.js";
import { createItemService } from "./item-service.js";
import { withJsonChecks } from "./json-fields.js";
import type { AssistantRepo } from "./repo/assistant-repo.js";
import type { CronRepo } from "./repo/cron-repo.js";
import type { ItemRepo } from "./repo/item-repo.js";
import type { RunRepo } from "./repo/run-repo.js";
import type { ThreadRepo } from "./repo/thread-repo.js";
import { createRunService } from "./run-service.js";
import { createThreadService } from "./thread-service.js";

/** What the store's services need. */
export interface StoreDeps {
  guard: AccessGuard;
  threads: ThreadRepo;
  assistants: AssistantRepo;
  runs: RunRepo;
  items: ItemRepo;
  crons: CronRepo;
  graphs: ReadonlySet<string>;
}

/**
 * The one place the store's RPCs are listed. Checks that every method
 * declares its auth event, so an RPC without an authorization check cannot
 * be served, and wraps each service in withJsonChecks.
 */
export function routes(deps: StoreDeps): Route[] {
  const all: Route[] = [
    { service: ThreadService, impl: createThreadService(deps.guard, deps.threads) },
    { service: AssistantService, impl: createAssistantService(deps.guard, deps.assistants, deps.graphs) },
    { service: RunService, impl: createRunService(deps.guard, deps.runs, deps.threads) },
    { service: ItemService, impl: createItemService(deps.guard, deps.items) },
    { service: CronService, impl: createCronService(deps.guard, deps.crons) },
  ] as Route[];
  for (const { service } of all) {
    for (const method of service.methods) authEventOf(method);
  }
  return all.map(({ service, impl }) => ({ service, impl: withJsonChecks(service, impl) }));
}
