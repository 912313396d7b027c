import { describe, expect, it } from "vitest";
import { lastEventIdFrom } from "./last-event-id.js";
import { InvalidRunEventIdError } from "./run-event-errors.js";

describe("lastEventIdFrom", () => {
  it("reads the header from Fetch headers and from Node's header object, trimmed", () => {
    expect(lastEventIdFrom(new Headers({ "Last-Event-ID": " 1718000000000-3 " }))).toBe("1718000000000-3");
    expect(lastEventIdFrom({ "last-event-id": "42" })).toBe("42");
  });

  it("answers undefined when the client sent none or an empty one, so the stream starts from its first kept event", () => {
    expect(lastEventIdFrom(new Headers())).toBeUndefined();
    expect(lastEventIdFrom({})).toBeUndefined();
    expect(lastEventIdFrom({ "last-event-id": "  " })).toBeUndefined();
  });

  it("refuses a value that is too long, has spaces or control characters, or is repeated, naming the header", () => {
    for (const bad of ["1".repeat(65), "1 2", "1\u0000", "1\u00e9", "1, 2"]) {
      expect(() => lastEventIdFrom({ "last-event-id": bad })).toThrow(InvalidRunEventIdError);
    }
    expect(() => lastEventIdFrom({ "last-event-id": ["1", "2"] })).toThrow(/Last-Event-ID/);
  });
});
