/**
 * What a run-create request becomes before anything is authorized: the
 * kwargs the worker reads, the handler's value, and the fields refused by
 * name.
 */
import { create, fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { ConnectError } from "@connectrpc/connect";
import { CreateRunRequestSchema } from "@gatehouse/contracts";
import { describe, expect, it } from "vitest";
import { runToCreate } from "./run-create.js";

const graphs = new Set(["agent"]);
const threadId = "6f1c7c36-1f5e-4f59-9b1e-6a4f3c0d2e11";

function refusal(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    return ConnectError.from(error).rawMessage;
  }
  throw new Error("expected a refusal");
}

describe("runToCreate", () => {
  it("records every option the worker reads in kwargs, and resolves a graph id to its system assistant", () => {
    const { input, value } = runToCreate(
      create(CreateRunRequestSchema, {
        threadId,
        assistantId: "agent",
        input: fromJson(ValueSchema, { messages: [] }),
        command: fromJson(ValueSchema, { resume: "yes" }),
        streamMode: ["values", "messages-tuple"],
        streamSubgraphs: true,
        checkpoint: { checkpoint_id: "c1" },
        interruptBefore: ["*"],
        interruptAfter: ["a", "b"],
        context: { model: "m" },
        timeoutSeconds: 1.5,
        afterSeconds: 3,
        multitaskStrategy: "enqueue",
        ifNotExists: "create",
      }),
      graphs,
    );
    expect(input.assistantId).toBe("fe096781-5601-53d2-b2f6-0d3403f7e9ca");
    expect(input.how).toBe("create-if-missing");
    expect(input.afterSeconds).toBe(3);
    expect(input.onDisconnect).toBe("continue");
    expect(input.clientKwargs).toEqual({
      input: { messages: [] },
      command: { resume: "yes" },
      stream_mode: ["values", "messages-tuple"],
      stream_subgraphs: true,
      checkpoint: { checkpoint_id: "c1" },
      interrupt_before: "*",
      interrupt_after: ["a", "b"],
      context: { model: "m" },
      timeout_ms: 1500,
    });
    expect(value).toMatchObject({ thread_id: threadId, multitask_strategy: "enqueue", if_not_exists: "create", after_seconds: 3 });
  });

  it("gives a thread-less run on_completion delete by default, and a new thread", () => {
    const { input } = runToCreate(create(CreateRunRequestSchema, { assistantId: "agent" }), graphs);
    expect(input.how).toBe("new");
    expect(input.clientKwargs.on_completion).toBe("delete");
    expect(input.multitaskStrategy).toBe("reject");
  });

  it("refuses bad options by name", () => {
    expect(refusal(() => runToCreate(create(CreateRunRequestSchema, { threadId, assistantId: "agent", onCompletion: "keep" }), graphs))).toMatch(/^on_completion: /);
    expect(refusal(() => runToCreate(create(CreateRunRequestSchema, { threadId, assistantId: "agent", multitaskStrategy: "later" }), graphs))).toMatch(/^multitask_strategy: /);
    expect(refusal(() => runToCreate(create(CreateRunRequestSchema, { threadId, assistantId: "agent", ifNotExists: "maybe" }), graphs))).toMatch(/^if_not_exists: /);
    expect(refusal(() => runToCreate(create(CreateRunRequestSchema, { threadId, assistantId: "agent", afterSeconds: -1 }), graphs))).toMatch(/^after_seconds: /);
    expect(refusal(() => runToCreate(create(CreateRunRequestSchema, { threadId, assistantId: "agent", onDisconnect: "explode" }), graphs))).toMatch(/^on_disconnect: /);
    expect(refusal(() => runToCreate(create(CreateRunRequestSchema, { threadId: "nope", assistantId: "agent" }), graphs))).toMatch(/^thread_id: /);
  });
});
