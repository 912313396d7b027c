import { notImplemented } from "./errors.js";
import { route, type Route } from "./route.js";

const noExecution =
  "Gatehouse records runs (status pending) and does not execute graphs, so there is no output to wait for, join or stream; create the run with POST /threads/{thread_id}/runs (or POST /runs) and read it back";
const noState = "Gatehouse keeps no graph state (checkpoints, state, history)";
const noGraphs = "Gatehouse does not load graphs, so it has no graph structure or schemas";
const notOffered = "not offered by the Gatehouse gateway";

const endpoints: ReadonlyArray<[Route["method"], string, string]> = [
  ["POST", "/threads/:thread_id/runs/wait", noExecution],
  ["POST", "/runs/wait", noExecution],
  ["POST", "/threads/:thread_id/runs/stream", noExecution],
  ["POST", "/runs/stream", noExecution],
  ["GET", "/threads/:thread_id/runs/:run_id/join", noExecution],
  ["GET", "/threads/:thread_id/runs/:run_id/stream", noExecution],
  ["GET", "/runs/:run_id/stream", noExecution],
  ["GET", "/threads/:thread_id/stream", noExecution],
  ["GET", "/threads/:thread_id/state", noState],
  ["POST", "/threads/:thread_id/state", noState],
  ["PATCH", "/threads/:thread_id/state", noState],
  ["GET", "/threads/:thread_id/state/:checkpoint_id", noState],
  ["POST", "/threads/:thread_id/state/checkpoint", noState],
  ["GET", "/threads/:thread_id/history", noState],
  ["POST", "/threads/:thread_id/history", noState],
  ["POST", "/threads/state/batch", noState],
  ["GET", "/assistants/:assistant_id/graph", noGraphs],
  ["GET", "/assistants/:assistant_id/schemas", noGraphs],
  ["GET", "/assistants/:assistant_id/subgraphs", noGraphs],
  ["GET", "/assistants/:assistant_id/subgraphs/:namespace", noGraphs],
  ["POST", "/runs/batch", `batch run creation is ${notOffered}; create runs one by one`],
  ["POST", "/runs/cancel", `cancelling many runs at once is ${notOffered}; cancel each run`],
  ["POST", "/threads/prune", `pruning threads is ${notOffered}; delete each thread`],
];

/**
 * LangGraph endpoints Gatehouse cannot serve, answered 501 with a detail that
 * says why, instead of a 404 that would read as a wrong URL. The SDK raises
 * these as HTTP errors; it retries 501 on idempotent methods (GET) before
 * raising, so a caller may lower the client's `maxRetries` to fail fast.
 */
export function unsupportedRoutes(): Route[] {
  return endpoints.map(([method, path, why]) =>
    route(
      method,
      path,
      async () => {
        throw notImplemented(why);
      },
      // The answer is 501 whatever the body holds: a malformed one must not turn it into a 422.
      { readsBody: false },
    ),
  );
}
