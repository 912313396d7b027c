import type { RunEvent } from "./run-event-log.js";

/**
 * The line separator LangGraph servers write. Any of CRLF, LF or CR ends a
 * line for an SSE client; CRLF is what the LangGraph Platform API sends, so
 * byte-level comparisons with it hold.
 */
const crlf = "\r\n";

/** An event to encode: `id` is left out for streams that cannot be resumed. */
export type SseEventInit = Omit<RunEvent, "id"> & { id?: string };

/**
 * Encodes one event as LangGraph servers put it on the wire:
 * `event: <name>`, `data: <JSON on one line>`, then `id: <id>` when there is
 * one, each line ending in CRLF, and a blank line. `JSON.stringify` escapes
 * every line break inside the data, so one `data:` line always suffices; a
 * name or id with a line break would split the frame and is refused.
 */
export function formatSseEvent({ id, event, data }: SseEventInit): string {
  return formatSseFrame({ id, event, dataJson: JSON.stringify(data ?? null) });
}

/**
 * The same for data already serialized as one line of JSON, as the store's
 * RunEvent carries it (`data_json`), so a relay writes it without parsing it
 * again. A line break in the JSON text would split the frame and is refused.
 */
export function formatSseFrame({ id, event, dataJson }: { id?: string | undefined; event: string; dataJson: string }): string {
  if (/[\r\n]/.test(event)) throw new RangeError("an SSE event name cannot contain a line break");
  if (id !== undefined && /[\r\n\0]/.test(id)) throw new RangeError("an SSE event id cannot contain a line break or NUL");
  if (/[\r\n]/.test(dataJson)) throw new RangeError("SSE data must be JSON on one line");
  const frame = `event: ${event}${crlf}data: ${dataJson}${crlf}`;
  return id === undefined ? `${frame}${crlf}` : `${frame}id: ${id}${crlf}${crlf}`;
}

/**
 * Encodes an SSE comment, which clients ignore: LangGraph servers send
 * `: heartbeat` every few seconds so proxies keep an idle stream open.
 */
export function formatSseComment(text = "heartbeat"): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => `: ${line}${crlf}`)
    .join("")
    .concat(crlf);
}

/** One event as an SSE client sees it: `event` defaults to `message`, `data` is the joined `data:` lines. */
export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/** An incremental SSE parser: feed it the stream's text as it arrives. */
export interface SseParser {
  /** Consumes a chunk and returns the events it completed. */
  feed(chunk: string): SseMessage[];
}

/**
 * Parses Server-Sent Events as the HTML standard's event-stream
 * interpretation does (CRLF, LF or CR line ends; one space after the colon
 * dropped; comments and unknown fields ignored; an event dispatched at a
 * blank line), for tests that read what a server streamed.
 */
export function createSseParser(): SseParser {
  let buffer = "";
  let data: string[] = [];
  let event = "";
  let id: string | undefined;
  let sawData = false;

  const line = (text: string, out: SseMessage[]) => {
    if (text === "") {
      if (sawData) out.push({ ...(id === undefined ? {} : { id }), event: event || "message", data: data.join("\n") });
      data = [];
      event = "";
      sawData = false;
      return;
    }
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") {
      data.push(value);
      sawData = true;
    } else if (field === "event") event = value;
    else if (field === "id" && !value.includes("\0")) id = value;
  };

  return {
    feed(chunk) {
      buffer += chunk;
      const out: SseMessage[] = [];
      const ends = /\r\n|\r|\n/g;
      let start = 0;
      for (let match = ends.exec(buffer); match !== null; match = ends.exec(buffer)) {
        // A CR at the very end may be the first half of a CRLF split across chunks.
        if (match[0] === "\r" && match.index === buffer.length - 1) break;
        line(buffer.slice(start, match.index), out);
        start = match.index + match[0].length;
      }
      buffer = buffer.slice(start);
      return out;
    },
  };
}

/** Parses a whole SSE body; an unterminated last event is dropped, as a client would. */
export function parseSse(text: string): SseMessage[] {
  return createSseParser().feed(text);
}
