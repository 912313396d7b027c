import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { defaultAssistantId } from "@gatehouse/graphs/assistants";
import { describe, expect, it } from "vitest";
import { xrayDepth } from "./assistant-graph-rpcs.js";
import { checkpointOf, graphIdOf } from "./thread-state-rpcs.js";

const graphs = new Set(["agent", "other"]);
const thread = { runAssistantId: null, runGraphId: null, metadataGraphId: null, executed: false };

describe("which graph a thread runs", () => {
  it("is its latest run's assistant's graph before anything its metadata says", () => {
    expect(graphIdOf({ ...thread, runAssistantId: "a", runGraphId: "other", metadataGraphId: "agent" }, graphs)).toBe("other");
  });

  it("is the graph a run named, by its id or its default assistant's, and else the metadata's graph_id", () => {
    expect(graphIdOf({ ...thread, runAssistantId: "agent" }, graphs)).toBe("agent");
    expect(graphIdOf({ ...thread, runAssistantId: defaultAssistantId("other") }, graphs)).toBe("other");
    expect(graphIdOf({ ...thread, metadataGraphId: "agent" }, graphs)).toBe("agent");
    expect(graphIdOf(thread, graphs)).toBeNull();
  });
});

describe("a request's checkpoint", () => {
  it("takes checkpoint_id, checkpoint_ns and checkpoint_map, or a RunnableConfig's configurable", () => {
    expect(checkpointOf("checkpoint", undefined)).toBeUndefined();
    expect(checkpointOf("checkpoint", { checkpoint_id: "c1", checkpoint_ns: "n", checkpoint_map: { "": "c0" } })).toMatchObject({
      checkpointId: "c1",
      checkpointNs: "n",
      checkpointMap: { "": "c0" },
    });
    expect(checkpointOf("before", { configurable: { checkpoint_id: "c2" } })).toMatchObject({ checkpointId: "c2", checkpointNs: "" });
  });

  it("names the field of a value of the wrong type", () => {
    const error = (() => {
      try {
        checkpointOf("before", { checkpoint_id: 7 });
      } catch (caught) {
        return caught as ConnectError;
      }
    })();
    expect(error).toMatchObject({ code: Code.InvalidArgument, rawMessage: "before.checkpoint_id: must be a string" });
  });
});

describe("xray", () => {
  it("is 0 unset or false, every level for true, and a depth for a whole number", () => {
    expect(xrayDepth(undefined)).toBe(0);
    expect(xrayDepth(fromJson(ValueSchema, false))).toBe(0);
    expect(xrayDepth(fromJson(ValueSchema, true))).toBe(-1);
    expect(xrayDepth(fromJson(ValueSchema, 2))).toBe(2);
  });

  it("refuses anything else, naming the field", () => {
    for (const bad of [-1, 1.5, "yes"]) expect(() => xrayDepth(fromJson(ValueSchema, bad))).toThrow(/^\[invalid_argument\] xray: /);
  });
});
