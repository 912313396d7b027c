import { BytesLineDecoder, SSEDecoder } from "@langchain/langgraph-sdk/utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSseParser, formatSseComment, formatSseEvent, parseSse } from "./sse.js";

/** Feeds text through the LangGraph SDK's own SSE decoder, its UTF-8 bytes split at the given offsets. */
async function decodeWithLangGraphSdk(text: string, cuts: number[]) {
  const encoded = new TextEncoder().encode(text);
  const points = [...new Set(cuts.map((cut) => cut % (encoded.length + 1)))].sort((a, b) => a - b);
  const bytes = new ReadableStream<Uint8Array>({
    start(controller) {
      let start = 0;
      for (const point of [...points, encoded.length]) {
        controller.enqueue(encoded.slice(start, point));
        start = point;
      }
      controller.close();
    },
  });
  const parts: { id: string | undefined; event: string; data: unknown }[] = [];
  const reader = bytes.pipeThrough(BytesLineDecoder()).pipeThrough(SSEDecoder()).getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(next.value);
  return parts;
}

const eventName = fc.stringMatching(/^[a-z][a-z/|:_-]{0,20}$/);
const json = fc.jsonValue({ stringUnit: "binary" }).map((value) => JSON.parse(JSON.stringify(value)) as unknown);

describe("formatSseEvent", () => {
  it("writes event, data and id lines ending in CRLF and a blank line, as LangGraph servers do", () => {
    expect(formatSseEvent({ id: "1718000000000-0", event: "values", data: { messages: [{ content: "a\nb" }] } })).toBe(
      'event: values\r\ndata: {"messages":[{"content":"a\\nb"}]}\r\nid: 1718000000000-0\r\n\r\n',
    );
  });

  it("leaves the id line out when there is no id, and writes undefined data as null", () => {
    expect(formatSseEvent({ event: "end", data: undefined })).toBe("event: end\r\ndata: null\r\n\r\n");
  });

  it("refuses an event name or id with a line break, which would forge another frame", () => {
    expect(() => formatSseEvent({ event: "values\r\nevent: error", data: 1 })).toThrow(/event name/);
    expect(() => formatSseEvent({ id: "1\nid: 2", event: "values", data: 1 })).toThrow(/event id/);
  });

  it("is read back by the LangGraph SDK's decoder exactly, however the bytes are split", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ id: fc.stringMatching(/^[0-9]{1,13}-[0-9]{1,3}$/), event: eventName, data: json }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (events, cuts) => {
          const text = events.map(formatSseEvent).join(formatSseComment());
          expect(await decodeWithLangGraphSdk(text, cuts)).toEqual(events);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("formatSseComment", () => {
  it("writes the heartbeat comment LangGraph servers send, which clients ignore", () => {
    expect(formatSseComment()).toBe(": heartbeat\r\n\r\n");
    expect(parseSse(formatSseComment("two\nlines"))).toEqual([]);
  });
});

describe("createSseParser", () => {
  it("round-trips formatted events split at every possible byte boundary", () => {
    const text = formatSseEvent({ id: "7", event: "messages/partial", data: [{ content: "hé\r\n🙂" }] }) + formatSseEvent({ event: "end", data: null });
    for (let cut = 0; cut <= text.length; cut += 1) {
      const parser = createSseParser();
      const messages = [...parser.feed(text.slice(0, cut)), ...parser.feed(text.slice(cut))];
      expect(messages).toEqual([
        { id: "7", event: "messages/partial", data: '[{"content":"hé\\r\\n🙂"}]' },
        { id: "7", event: "end", data: "null" },
      ]);
    }
  });

  it("follows the event-stream rules: any line end, one space dropped, data lines joined, default event name, comments skipped", () => {
    expect(parseSse(": hi\ndata:a\rdata:  b\r\n\nevent: x\nid: 3\ndata\n\nretry: 5\nfoo: bar\n\n")).toEqual([
      { event: "message", data: "a\n b" },
      { id: "3", event: "x", data: "" },
    ]);
  });

  it("drops an event that the stream never terminated", () => {
    expect(parseSse("event: values\r\ndata: {}\r\n")).toEqual([]);
  });
});
