import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { AssistantService, CallerService, CronService, ItemService, RunService, ThreadService } from "@gatehouse/contracts";

/** Typed clients of every store service the gateway calls. */
export interface StoreClients {
  threads: Client<typeof ThreadService>;
  assistants: Client<typeof AssistantService>;
  runs: Client<typeof RunService>;
  crons: Client<typeof CronService>;
  items: Client<typeof ItemService>;
  /** Who is calling, asked before a custom route's app sees a request. */
  caller: Client<typeof CallerService>;
}

/**
 * The store's services over one transport (in production a grpc-js channel
 * to STORE_TARGET), so every HTTP call becomes exactly the gRPC call a
 * direct client would make, with the same authorization.
 */
export function createStoreClients(transport: Transport): StoreClients {
  return {
    threads: createClient(ThreadService, transport),
    assistants: createClient(AssistantService, transport),
    runs: createClient(RunService, transport),
    crons: createClient(CronService, transport),
    items: createClient(ItemService, transport),
    caller: createClient(CallerService, transport),
  };
}

/** What every resource translator needs. */
export interface TranslatorDeps {
  store: StoreClients;
  /** The graph ids declared in gatehouse.json; an assistant id equal to one names its default assistant. */
  graphs: ReadonlySet<string>;
}
