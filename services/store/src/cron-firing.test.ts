import { describe, expect, it } from "vitest";
import { firingOf } from "./cron-firing.js";
import type { DueCron } from "./repo/cron-firing-repo.js";

const owner = { identity: "alice", display_name: "Alice", is_authenticated: true, permissions: ["chat"] };

function due(fields: Partial<DueCron>): DueCron {
  return {
    cron_id: "c",
    thread_id: "t",
    assistant_id: "agent",
    schedule: "* * * * *",
    payload: {},
    metadata: { owner: "alice" },
    end_time: null,
    owner,
    next_run_date: new Date(0),
    now: new Date(0),
    ...fields,
  };
}

const ids = { runId: "r", threadId: "t" };

describe("firingOf", () => {
  it("makes the run from the payload, with the owner's langgraph_auth keys written over the config", () => {
    const { run } = firingOf(
      due({ payload: { input: { q: 1 }, config: { configurable: { langgraph_auth_user_id: "mallory", model: "m" }, tags: ["x"] }, webhook: "http://hook", stream_mode: "values" } }),
      ids,
    );
    const kwargs = JSON.parse(run.kwargsJson);
    expect(kwargs.input).toEqual({ q: 1 });
    expect(kwargs.stream_mode).toBe("values");
    expect(kwargs).not.toHaveProperty("webhook");
    expect(kwargs.config.tags).toEqual(["x"]);
    expect(kwargs.config.configurable).toEqual({ model: "m", langgraph_auth_user: owner, langgraph_auth_user_id: "alice", langgraph_auth_permissions: ["chat"] });
    expect(run.metadata).toEqual({ owner: "alice" });
  });

  it("shows the handler a CreateRun-shaped value: the thread, the cron's metadata and the client's config without server keys", () => {
    const { value } = firingOf(due({ payload: { config: { configurable: { model: "m" } } }, metadata: { kind: "report" } }), ids);
    expect(value).toMatchObject({ thread_id: "t", assistant_id: "agent", run_id: "r", status: "pending", metadata: { kind: "report" } });
    expect(value.kwargs).toEqual({ config: { configurable: { model: "m" } } });
  });

  it("queues behind a busy thread unless the payload names a multitask strategy", () => {
    expect(firingOf(due({}), ids).run.multitaskStrategy).toBe("enqueue");
    expect(firingOf(due({ payload: { multitask_strategy: "reject" } }), ids).run.multitaskStrategy).toBe("reject");
    expect(firingOf(due({ payload: { multitask_strategy: "bogus" } }), ids).run.multitaskStrategy).toBe("enqueue");
  });

  it("a stateless cron's run deletes its thread when it ends unless the payload keeps it, and its value names no thread", () => {
    const stateless = firingOf(due({ thread_id: null }), { runId: "r", threadId: "new" });
    expect(JSON.parse(stateless.run.kwargsJson).on_completion).toBe("delete");
    expect(stateless.value).not.toHaveProperty("thread_id");
    expect(stateless.run.threadId).toBe("new");
    const kept = firingOf(due({ thread_id: null, payload: { on_run_completed: "keep" } }), ids);
    expect(JSON.parse(kept.run.kwargsJson).on_completion).toBe("keep");
    expect(JSON.parse(firingOf(due({}), ids).run.kwargsJson)).not.toHaveProperty("on_completion");
  });
});
