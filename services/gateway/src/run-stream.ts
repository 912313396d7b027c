import type { RunEvent } from "@gatehouse/contracts";
import { formatSseEvent } from "@gatehouse/run-events";
import type { RouteResponse } from "./route.js";

/** One SSE event as the gateway writes it: the store's RunEvent, its data already JSON text. */
export type SseEvent = Pick<RunEvent, "id" | "event" | "dataJson">;

/**
 * The SSE answer of a stream endpoint once its store stream has produced its
 * first message: headers (the run's Content-Location, which the SDK reads to
 * report the run's ids, and the Location it reconnects to with
 * Last-Event-ID), then the events. Nothing is written before the store has
 * authorized the call, so a hidden thread's stream answers a plain 404 with
 * no stream bytes, exactly like a missing one.
 */
export function sseResponse(threadId: string, runId: string, events: AsyncIterable<SseEvent>, resumable = true): RouteResponse {
  const headers: Record<string, string> = { "content-location": `/threads/${threadId}/runs/${runId}` };
  if (resumable) headers.location = `/threads/${threadId}/runs/${runId}/stream`;
  return { status: 200, headers, events };
}

/** The SSE error event LangGraph servers end a failed stream with, for a failure after the stream began. */
export function sseErrorEvent(id: string, message: string): string {
  return formatSseEvent({ id, event: "error", data: { error: "Error", message } });
}

/**
 * Takes the first message of a store stream before any byte goes to the
 * client, so an authorization failure is still an ordinary error answer;
 * returns it and the rest of the stream.
 */
export async function firstAndRest<T>(stream: AsyncIterable<T>): Promise<{ first: T | undefined; rest: AsyncIterable<T> }> {
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  const rest: AsyncIterable<T> = {
    [Symbol.asyncIterator]: () => iterator,
  };
  return { first: first.done ? undefined : first.value, rest };
}
