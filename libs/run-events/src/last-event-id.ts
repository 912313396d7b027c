import { InvalidRunEventIdError } from "./run-event-errors.js";

/** Request headers as Node's http module or the Fetch API present them. */
export type RequestHeaders = Headers | Record<string, string | string[] | undefined>;

/** Longer than any id the run event logs issue, short enough to refuse junk early. */
const maxLength = 64;

/**
 * The `Last-Event-ID` header a reconnecting SSE client sends: the id of the
 * last event it received, to resume after. Undefined when absent or empty
 * (the client wants the stream from its start). The value is untrusted: one
 * that is too long, repeated or holds anything but printable ASCII raises
 * {@link InvalidRunEventIdError} naming the header; whether it is an id the
 * log issued is for the log's `read` to decide.
 */
export function lastEventIdFrom(headers: RequestHeaders): string | undefined {
  const raw = typeof (headers as Headers).get === "function" ? (headers as Headers).get("last-event-id") : (headers as Record<string, string | string[] | undefined>)["last-event-id"];
  if (raw === undefined || raw === null) return undefined;
  if (Array.isArray(raw)) throw new InvalidRunEventIdError("Last-Event-ID");
  const value = raw.trim();
  if (value === "") return undefined;
  if (value.length > maxLength || !/^[\x21-\x7e]+$/.test(value)) throw new InvalidRunEventIdError("Last-Event-ID");
  return value;
}
