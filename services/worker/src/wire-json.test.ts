import { AIMessage, AIMessageChunk, HumanMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { errorPayload, toWire } from "./wire-json.js";

describe("toWire", () => {
  it("sends messages as plain dicts with their type, not LangChain's constructor form", () => {
    const wire = toWire({ messages: [new HumanMessage({ content: "hi", id: "h1" }), new AIMessage({ content: "hello", id: "a1" })] }) as {
      messages: Array<Record<string, unknown>>;
    };
    expect(wire.messages[0]).toMatchObject({ type: "human", content: "hi", id: "h1" });
    expect(wire.messages[1]).toMatchObject({ type: "ai", content: "hello", id: "a1", tool_calls: [] });
    expect(JSON.stringify(wire)).not.toContain('"lc"');
  });

  it("sends a message chunk the same way, nested anywhere", () => {
    const wire = toWire([[new AIMessageChunk({ content: "par", id: "c1" }), { langgraph_node: "chatbot" }]]) as [[Record<string, unknown>, unknown]];
    expect(wire[0][0]).toMatchObject({ content: "par", id: "c1" });
    expect(typeof wire[0][0].type).toBe("string");
    expect(wire[0][1]).toEqual({ langgraph_node: "chatbot" });
  });

  it("turns undefined into null", () => {
    expect(toWire(undefined)).toBeNull();
  });
});

describe("errorPayload", () => {
  it("names the error class and its message, as LangGraph's error event does", () => {
    expect(errorPayload(new RangeError("too far"))).toEqual({ error: "RangeError", message: "too far" });
    expect(errorPayload("plain")).toEqual({ error: "Error", message: "plain" });
  });
});
