import { describe, expect, it } from "vitest";
import { defaultAssistantId, resolveAssistantId, uuidV5 } from "./graph-assistants.js";

describe("graph assistants", () => {
  it("uuidV5 matches RFC 4122's version 5 (Python's uuid.uuid5(NAMESPACE_DNS, 'hello'))", () => {
    expect(uuidV5("hello", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe("9342d47a-1bab-5709-9869-c840b2eac501");
  });

  it("a graph's default assistant has the id LangGraph servers give it", () => {
    expect(defaultAssistantId("agent")).toBe("fe096781-5601-53d2-b2f6-0d3403f7e9ca");
  });

  it("only declared graph ids are resolved; anything else passes as given", () => {
    const graphs = new Set(["agent"]);
    expect(resolveAssistantId("agent", graphs)).toBe("fe096781-5601-53d2-b2f6-0d3403f7e9ca");
    expect(resolveAssistantId("other", graphs)).toBe("other");
    const id = "0b0e8f52-5d5b-4d36-9d1e-8d7d1c0b7a10";
    expect(resolveAssistantId(id, graphs)).toBe(id);
  });
});
