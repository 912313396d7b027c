import { notImplemented } from "./errors.js";
import { route, type Route } from "./route.js";

const endpoints: ReadonlyArray<[Route["method"], string, string]> = [
  ["GET", "/threads/:thread_id/stream", "streaming every run of a thread is not offered by the Gatehouse gateway; join each run's stream"],
  ["POST", "/threads/state/batch", "reading many threads' states at once is not offered by the Gatehouse gateway; read each thread's state"],
  ["GET", "/runs/:run_id/stream", "a run's stream is joined through its thread: GET /threads/{thread_id}/runs/{run_id}/stream"],
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
