/**
 * Raised by `append` when the run's stream is already finished: a finished
 * stream is complete, and readers that ended on it would never see more.
 */
export class RunStreamFinishedError extends Error {
  override readonly name = "RunStreamFinishedError";
  constructor(readonly runId: string) {
    super(`run ${runId}: its event stream is already finished`);
  }
}

/**
 * Raised by `read` when `afterId` is not an id this log could have issued
 * (a client's `Last-Event-ID` is untrusted input). Callers answer it as a
 * bad request naming the `Last-Event-ID` header.
 */
export class InvalidRunEventIdError extends Error {
  override readonly name = "InvalidRunEventIdError";
  constructor(readonly field: string) {
    super(`${field} is not a valid event id`);
  }
}
