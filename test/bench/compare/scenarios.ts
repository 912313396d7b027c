import { Client } from "@langchain/langgraph-sdk";

/** The tutorial's two users: the bearer token each sends and the identity the auth module gives it. */
export const benchUsers = [
  { token: "user1-token", identity: "user1" },
  { token: "user2-token", identity: "user2" },
] as const;

/** One server as the load generator sees it: an SDK client per user. */
export interface BenchTarget {
  /** Row label, e.g. "Gatehouse (split)". */
  label: string;
  url: string;
  /** One client per user, in `benchUsers` order. */
  clients: Client[];
}

/** Call number i of a scenario; it resolves when the server answered as expected. */
export type ScenarioCall = (i: number) => Promise<unknown>;

/** One kind of request the benchmark drives against every server alike. */
export interface Scenario {
  name: string;
  /** Anything the calls need on this server (sample ids, items to read), made before the warm-up; returns the call. */
  prepare(target: BenchTarget): Promise<ScenarioCall>;
}

/**
 * The SDK client an application would build for one user: keep-alive
 * connections (Node's fetch pools them per origin), up to 64 requests in
 * flight, and no retries, so a failure is counted rather than hidden.
 */
export function clientFor(url: string, token: string): Client {
  return new Client({ apiUrl: url, apiKey: null, defaultHeaders: { Authorization: `Bearer ${token}` }, callerOptions: { maxConcurrency: 64, maxRetries: 0 } });
}

/** The users' clients for one server. */
export function benchTarget(label: string, url: string): BenchTarget {
  return { label, url, clients: benchUsers.map(({ token }) => clientFor(url, token)) };
}

/** Calls alternate between the two users. */
const userOf = (i: number) => i % benchUsers.length;

/** A tutorial message for the example graph. */
const input = { messages: [{ role: "human", content: "What is the capital of France?" }] };

/** Each user's newest thread ids (the owner filter keeps every user to their own), for get and update. */
async function ownThreadIds(target: BenchTarget): Promise<string[][]> {
  return Promise.all(target.clients.map(async (client) => (await client.threads.search({ limit: 100 })).map((thread) => thread.thread_id)));
}

/** Store items live under the user's own namespace, and carry the owner the example's filter matches. */
const memories = (user: number) => [benchUsers[user]!.identity, "memories"];
const memory = (user: number, i: number) => ({ owner: benchUsers[user]!.identity, text: `note ${i}` });

/** The thread scenarios, measured at each seeded size. */
export const threadScenarios: Scenario[] = [
  {
    name: "threads.get",
    async prepare(target) {
      const ids = await ownThreadIds(target);
      return (i) => {
        const own = ids[userOf(i)]!;
        return target.clients[userOf(i)]!.threads.get(own[Math.floor(i / 2) % own.length]!);
      };
    },
  },
  {
    name: "threads.update",
    async prepare(target) {
      const ids = await ownThreadIds(target);
      return (i) => {
        const own = ids[userOf(i)]!;
        return target.clients[userOf(i)]!.threads.update(own[Math.floor(i / 2) % own.length]!, { metadata: { touched: i } });
      };
    },
  },
  {
    name: "threads.search (limit 10)",
    prepare: async (target) => (i) => target.clients[userOf(i)]!.threads.search({ limit: 10 }),
  },
  { name: "threads.count", prepare: async (target) => (i) => target.clients[userOf(i)]!.threads.count() },
  // Last at each size: it adds threads, which the next size's seeding counts in.
  { name: "threads.create", prepare: async (target) => (i) => target.clients[userOf(i)]!.threads.create() },
];

/**
 * The scenarios whose cost does not depend on how many threads there are,
 * measured once. Runs are thread-less (the server makes a thread for each),
 * so every call does the same work however many ran before; runs.create
 * comes last, as the LangGraph.js server goes on executing what it accepted.
 */
export const otherScenarios: Scenario[] = [
  { name: "assistants.search", prepare: async (target) => (i) => target.clients[userOf(i)]!.assistants.search({ limit: 10 }) },
  {
    name: "store.putItem",
    prepare: async (target) => (i) => target.clients[userOf(i)]!.store.putItem(memories(userOf(i)), `m-${i % 1000}`, memory(userOf(i), i)),
  },
  {
    name: "store.getItem",
    async prepare(target) {
      for (let i = 0; i < 200; i++) await target.clients[userOf(i)]!.store.putItem(memories(userOf(i)), `m-${i % 100}`, memory(userOf(i), i));
      return async (i) => {
        const item = await target.clients[userOf(i)]!.store.getItem(memories(userOf(i)), `m-${i % 100}`);
        if (item === null) throw new Error(`item m-${i % 100} is missing`);
      };
    },
  },
  {
    name: "store.searchItems (limit 10)",
    prepare: async (target) => (i) => target.clients[userOf(i)]!.store.searchItems(memories(userOf(i)), { limit: 10 }),
  },
  { name: "runs.wait", prepare: async (target) => (i) => target.clients[userOf(i)]!.runs.wait(null, "agent", { input }) },
  {
    name: "runs.stream",
    prepare: async (target) => async (i) => {
      let events = 0;
      for await (const chunk of target.clients[userOf(i)]!.runs.stream(null, "agent", { input })) {
        if (chunk.event === "error") throw new Error(`the run failed: ${JSON.stringify(chunk.data)}`);
        events += 1;
      }
      if (events === 0) throw new Error("the stream ended without an event");
    },
  },
  { name: "runs.create", prepare: async (target) => (i) => target.clients[userOf(i)]!.runs.create(null, "agent", { input }) },
];

/** The HTTP status of an SDK error, if it carries one. */
export function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}
