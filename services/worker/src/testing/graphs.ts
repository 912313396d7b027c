/**
 * Graphs for the worker's tests, each a real LangGraph.js graph: one that
 * counts its node executions in a table (exactly-once), one that reports who
 * asked, one that fails, one that sleeps (timeouts, cancels, dead workers),
 * one that asks a human (interrupt), and one with a subgraph.
 */
import { AIMessage } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { Annotation, END, interrupt, MessagesAnnotation, START, StateGraph, type LangGraphRunnableConfig } from "@langchain/langgraph";
import type { LoadedGraph } from "@gatehouse/graphs";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type pg from "pg";

/** Creates the table the counting graph records each node execution in. */
export async function createExecutionsTable(pool: pg.Pool): Promise<void> {
  await pool.query("CREATE TABLE IF NOT EXISTS node_executions (run_id text NOT NULL, thread_id text NOT NULL, at timestamptz NOT NULL DEFAULT now())");
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

const Steps = Annotation.Root({
  steps: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  who: Annotation<Record<string, unknown> | undefined>(),
  answer: Annotation<string | undefined>(),
});

/** Every test graph, by graph id, on the given checkpointer. */
export function testGraphs(pool: pg.Pool, checkpointer: BaseCheckpointSaver): Map<string, LoadedGraph> {
  const counting = new StateGraph(MessagesAnnotation)
    .addNode("count", async (state, config: LangGraphRunnableConfig) => {
      await pool.query("INSERT INTO node_executions (run_id, thread_id) VALUES ($1, $2)", [config.configurable?.run_id, config.configurable?.thread_id]);
      return { messages: [new AIMessage({ content: `seen ${state.messages.length}`, id: `count-${String(config.configurable?.run_id)}` })] };
    })
    .addEdge(START, "count")
    .addEdge("count", END)
    .compile();

  const whoami = new StateGraph(Steps)
    .addNode("whoami", async (_state, config: LangGraphRunnableConfig) => {
      config.writer?.({ progress: "looking up who is asking" });
      return {
      steps: ["whoami"],
      who: {
        user: config.configurable?.langgraph_auth_user,
        user_id: config.configurable?.langgraph_auth_user_id,
        permissions: config.configurable?.langgraph_auth_permissions,
        assistant_id: config.configurable?.assistant_id,
        graph_id: config.configurable?.graph_id,
        model: config.configurable?.model,
      },
      };
    })
    .addEdge(START, "whoami")
    .addEdge("whoami", END)
    .compile();

  const failing = new StateGraph(Steps)
    .addNode("explode", async () => {
      throw new RangeError("the node exploded");
    })
    .addEdge(START, "explode")
    .addEdge("explode", END)
    .compile();

  const slow = new StateGraph(Steps)
    .addNode("first", async () => ({ steps: ["first"] }))
    .addNode("nap", async (_state, config: LangGraphRunnableConfig) => {
      await sleep(Number(config.configurable?.nap_ms ?? 60_000), config.signal);
      return { steps: ["nap"] };
    })
    .addEdge(START, "first")
    .addEdge("first", "nap")
    .addEdge("nap", END)
    .compile();

  const approval = new StateGraph(Steps)
    .addNode("draft", async () => ({ steps: ["draft"] }))
    .addNode("review", async () => ({ steps: ["review"], answer: String(interrupt({ question: "approve the draft?" })) }))
    .addEdge(START, "draft")
    .addEdge("draft", "review")
    .addEdge("review", END)
    .compile();

  const inner = new StateGraph(Steps)
    .addNode("inner_step", async () => ({ steps: ["inner"] }))
    .addEdge(START, "inner_step")
    .addEdge("inner_step", END)
    .compile();
  const nested = new StateGraph(Steps)
    .addNode("outer_step", async () => ({ steps: ["outer"] }))
    .addNode("child", inner)
    .addEdge(START, "outer_step")
    .addEdge("outer_step", "child")
    .addEdge("child", END)
    .compile();

  const chat = new StateGraph(MessagesAnnotation)
    .addNode("chatbot", async (state, config: LangGraphRunnableConfig) => {
      const model = new FakeListChatModel({ responses: ["Hi there friend"] });
      const reply = await model.invoke(state.messages, config);
      return { messages: [new AIMessage({ content: reply.content, id: reply.id })] };
    })
    .addEdge(START, "chatbot")
    .addEdge("chatbot", END)
    .compile();

  const graphs = new Map<string, LoadedGraph>(
    Object.entries({ counting, whoami, failing, slow, approval, nested, chat }).map(([id, graph]) => [id, graph as unknown as LoadedGraph]),
  );
  for (const graph of graphs.values()) graph.checkpointer = checkpointer;
  return graphs;
}
