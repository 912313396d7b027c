import { describe, expect, it } from "vitest";
import { startPeerServer } from "./peer-server.js";
import { processTree } from "./process-tree.js";
import { benchTarget, benchUsers } from "./scenarios.js";

describe("the LangGraph.js dev server starter", () => {
  it("starts the pinned dev server with the tutorial's auth module and graph, answers as the tutorial says, and stops its whole process tree", async () => {
    const peer = await startPeerServer({
      graphs: { agent: "examples/private-chat/graph.ts:graph" },
      auth: "examples/private-chat/auth.langgraph.ts:auth",
      probeToken: benchUsers[0].token,
    });
    let tree: number[] = [];
    try {
      tree = processTree(peer.pid);
      // The CLI, tsx and the API server.
      expect(tree.length).toBeGreaterThanOrEqual(2);
      expect((await fetch(`${peer.url}/ok`)).status).toBe(401);
      const [alice, bob] = benchTarget("peer", peer.url).clients;
      const thread = await alice!.threads.create();
      expect(thread.metadata).toEqual({ owner: "user1" });
      const answer = (await alice!.runs.wait(thread.thread_id, "agent", { input: { messages: [{ role: "human", content: "hi" }] } })) as {
        messages: Array<{ content: string }>;
      };
      expect(answer.messages.at(-1)!.content).toContain("Hello Alice!");
      await expect(bob!.threads.get(thread.thread_id)).rejects.toMatchObject({ status: 404 });
    } finally {
      await peer.stop();
    }
    expect(tree.filter((pid) => processTree(pid).length > 0)).toEqual([]);
  }, 150_000); // Starting the dev server compiles the modules with tsx: room for a busy machine.
});
