import { create, type DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport, type ServiceImpl, type Transport } from "@connectrpc/connect";
import { AuthzService, DecisionSchema, Effect, WorkerService, type AuthorizeRequest } from "@gatehouse/contracts";
import { createMemoryRunEventLog } from "@gatehouse/run-events";
import { createLogger } from "@gatehouse/server";
import type { Authenticate } from "../authentication.js";
import { createAccessGuard } from "../authorization.js";
import { createBatchingAuthorizer } from "../authz-batcher.js";
import { createAssistantRepo } from "../repo/assistant-repo.js";
import { createCronRepo } from "../repo/cron-repo.js";
import { createItemRepo } from "../repo/item-repo.js";
import { createRunRepo } from "../repo/run-repo.js";
import { createThreadRepo } from "../repo/thread-repo.js";
import { routes } from "../routes.js";
import type { Database } from "../sql/database.js";
import { createWorkerCaller } from "../worker-client.js";

/** How the in-memory authz answers an event: allow, deny, or fail as an unreachable service does. */
export type AuthzAnswer = "allow" | "deny" | "unavailable";

/** The store's real routes on Connect's router transport, with an in-memory authz. */
export interface InMemoryStore {
  transport: Transport;
  /** Every event authz was asked about, as "resource:action". */
  asked: string[];
  /** Every service the routes serve, as the real store registers them. */
  services: DescService[];
}

/** The caller every in-memory call authenticates as, unless a test passes its own authentication. */
export const inMemoryCaller = { identity: "user-1", display_name: "user-1", is_authenticated: true, permissions: [] };

/**
 * Serves the store's routes in memory over `db`, with a caller that always
 * authenticates as inMemoryCaller (or as `authenticate` says), an authz
 * (reached through the real batching client) that answers each event as
 * `answer` says, and a worker made of the methods `worker` gives.
 */
export function createInMemoryStore(
  db: Database,
  answer: (request: AuthorizeRequest) => AuthzAnswer,
  worker: Partial<ServiceImpl<typeof WorkerService>> = {},
  authenticate: Authenticate = async () => inMemoryCaller,
): InMemoryStore {
  const asked: string[] = [];
  const verdictOf = (request: AuthorizeRequest) => {
    asked.push(`${request.resource}:${request.action}`);
    return answer(request);
  };
  const decisionOf = (verdict: AuthzAnswer) => create(DecisionSchema, { effect: verdict === "allow" ? Effect.ALLOW : Effect.DENY });
  const authzTransport = createRouterTransport((router) => {
    router.service(AuthzService, {
      // A lone event comes as Authorize, several at once as AuthorizeBatch: both answer alike.
      authorize(request) {
        const verdict = verdictOf(request);
        if (verdict === "unavailable") throw new ConnectError("authz is down", Code.Unavailable);
        return { decision: decisionOf(verdict) };
      },
      async *authorizeBatch({ requests }) {
        const answers = requests.map(verdictOf);
        if (answers.includes("unavailable")) throw new ConnectError("authz is down", Code.Unavailable);
        for (const [index, verdict] of answers.entries()) {
          yield { index, result: { result: { case: "decision" as const, value: decisionOf(verdict) } } };
        }
      },
    });
  });
  const guard = createAccessGuard({
    authenticate,
    authz: createBatchingAuthorizer(createClient(AuthzService, authzTransport)),
    logger: createLogger("store-test"),
    callTimeoutMs: 2_000,
  });
  // The worker's methods a test gives; any other answers UNIMPLEMENTED, which the store reports as a worker failure.
  const workerTransport = createRouterTransport((router) => {
    router.service(WorkerService, worker);
  });
  const served = routes({
    guard,
    threads: createThreadRepo(db),
    assistants: createAssistantRepo(db),
    runs: createRunRepo(db),
    events: createMemoryRunEventLog(),
    items: createItemRepo(db),
    crons: createCronRepo(db),
    // The one graph the tests' runs and assistants name, as gatehouse.json would declare it.
    graphs: new Set(["agent"]),
    worker: createWorkerCaller(createClient(WorkerService, workerTransport), createLogger("store-test"), 2_000),
  });
  const transport = createRouterTransport((router) => {
    for (const route of served) router.service(route.service, route.impl);
  });
  return { transport, asked, services: served.map(({ service }) => service) };
}
