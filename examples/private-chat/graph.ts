/**
 * The tutorial's chatbot as a LangGraph.js graph: one node that answers the
 * conversation. Without a configured chat model it answers offline and
 * deterministically (so tests and `npm start` need no network or key),
 * streaming its reply token by token like a real model. The node reads who
 * is asking from `config.configurable.langgraph_auth_user`, which Gatehouse
 * sets on every run, as LangGraph servers do.
 *
 * To answer with a real model, export a different `chatModel`, e.g.
 * `new ChatOpenAI({ model: "gpt-4o-mini" })` from `@langchain/openai`
 * (README, "The example graph").
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { END, MessagesAnnotation, START, StateGraph, type LangGraphRunnableConfig } from "@langchain/langgraph";

/** A real chat model to answer with; undefined answers with the offline bot. */
export const chatModel: BaseChatModel | undefined = undefined;

/** The offline bot's reply: it greets the caller by name and repeats what they said. */
export function offlineReply(messages: readonly BaseMessage[], displayName: string | undefined): string {
  const last = [...messages].reverse().find((message) => message.getType() === "human");
  const said = typeof last?.content === "string" ? last.content : JSON.stringify(last?.content ?? "");
  const greeting = displayName ? `Hello ${displayName}!` : "Hello!";
  return `${greeting} You said: "${said}". I am the offline example bot; configure a chat model for real answers.`;
}

function callerName(config: LangGraphRunnableConfig): string | undefined {
  const user = config.configurable?.langgraph_auth_user as { display_name?: unknown } | undefined;
  return typeof user?.display_name === "string" ? user.display_name : undefined;
}

async function chatbot(state: typeof MessagesAnnotation.State, config: LangGraphRunnableConfig) {
  const model = chatModel ?? new FakeListChatModel({ responses: [offlineReply(state.messages, callerName(config))] });
  const reply = await model.invoke(state.messages, config);
  return { messages: [reply instanceof AIMessage ? reply : new AIMessage({ content: reply.content, id: reply.id })] };
}

/** The compiled graph gatehouse.json names as `agent`. */
export const graph = new StateGraph(MessagesAnnotation)
  .addNode("chatbot", chatbot)
  .addEdge(START, "chatbot")
  .addEdge("chatbot", END)
  .compile();
