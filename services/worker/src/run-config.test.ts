import { Command, isCommand, Send } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { requestedStreamModes, runGraphOptions, runInput, type ResolvedAssistant } from "./run-config.js";
import type { ClaimedRun } from "./run-queue.js";

const run = (kwargs: Record<string, unknown>): ClaimedRun => ({
  runId: "run-1",
  threadId: "thread-1",
  assistantId: "agent",
  kwargs,
  metadata: {},
  attempt: 2,
  createdAt: new Date(0),
});

const assistant: ResolvedAssistant = {
  assistantId: "assistant-1",
  graphId: "agent",
  config: {
    configurable: { model: "small", temperature: 0, langgraph_auth_user_id: "mallory", langgraph_auth_user: { identity: "mallory" } },
    tags: ["from-assistant"],
    recursion_limit: 5,
  },
  context: { tone: "dry" },
  metadata: {},
};

describe("runGraphOptions", () => {
  it("layers the run's configurable over the assistant's, then the ids the server sets", () => {
    const options = runGraphOptions(
      run({ config: { configurable: { model: "large", thread_id: "forged", run_id: "forged" }, tags: ["from-run"] }, checkpoint_id: "cp-1" }),
      assistant,
    );
    expect(options.configurable).toEqual({
      model: "large",
      temperature: 0,
      checkpoint_id: "cp-1",
      thread_id: "thread-1",
      run_id: "run-1",
      assistant_id: "assistant-1",
      graph_id: "agent",
    });
    expect(options.tags).toEqual(["from-assistant", "from-run"]);
    expect(options.recursionLimit).toBe(5);
    expect(options.metadata).toMatchObject({ run_id: "run-1", thread_id: "thread-1", run_attempt: 2 });
    expect(options.context).toEqual({ tone: "dry" });
  });

  it("takes the langgraph_auth_* keys from the run only, never from the assistant's config", () => {
    const withoutAuth = runGraphOptions(run({}), assistant).configurable;
    expect(withoutAuth).not.toHaveProperty("langgraph_auth_user_id");
    expect(withoutAuth).not.toHaveProperty("langgraph_auth_user");
    const withAuth = runGraphOptions(run({ config: { configurable: { langgraph_auth_user_id: "alice", langgraph_auth_permissions: ["read"] } } }), assistant);
    expect(withAuth.configurable).toMatchObject({ langgraph_auth_user_id: "alice", langgraph_auth_permissions: ["read"] });
  });

  it("reads interrupt_before/after, a checkpoint object, stream_subgraphs and durability", () => {
    const options = runGraphOptions(
      run({ interrupt_before: ["review"], interrupt_after: "*", checkpoint: { checkpoint_id: "cp-2", checkpoint_ns: "" }, stream_subgraphs: true, durability: "sync" }),
      assistant,
    );
    expect(options).toMatchObject({ interruptBefore: ["review"], interruptAfter: "*", subgraphs: true, durability: "sync" });
    expect(options.configurable).toMatchObject({ checkpoint_id: "cp-2", checkpoint_ns: "" });
  });
});

describe("runInput", () => {
  it("is the input, or null to continue from the checkpoint", () => {
    expect(runInput({ input: { messages: [] } })).toEqual({ messages: [] });
    expect(runInput({})).toBeNull();
  });

  it("builds a Command from kwargs.command, with goto as node names or sends", () => {
    const command = runInput({ command: { resume: "yes", update: { answer: "y" }, goto: ["a", { node: "b", input: { x: 1 } }] } }) as Command;
    expect(isCommand(command)).toBe(true);
    expect(command.resume).toBe("yes");
    expect(command.update).toEqual({ answer: "y" });
    expect(command.goto).toEqual(["a", new Send("b", { x: 1 })]);
  });
});

describe("requestedStreamModes", () => {
  it("defaults to values and accepts a mode or a list", () => {
    expect(requestedStreamModes({})).toEqual(["values"]);
    expect(requestedStreamModes({ stream_mode: "updates" })).toEqual(["updates"]);
    expect(requestedStreamModes({ stream_mode: ["values", "messages-tuple", "values"] })).toEqual(["values", "messages-tuple"]);
  });
});
