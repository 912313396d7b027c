import { Code, ConnectError } from "@connectrpc/connect";
import { rpc } from "./guarded-service.js";
import { requireUuid } from "./validate.js";

/**
 * Placeholder for an execution RPC being built: authorizes on the thread or
 * assistant id like the finished RPC will, then answers UNIMPLEMENTED.
 * Removed as each RPC lands.
 */
export function pendingRpc(idField: "thread_id" | "assistant_id") {
  return rpc({
    authorize(message) {
      const request = message as unknown as { threadId?: string; assistantId?: string };
      const id = requireUuid(idField, (idField === "thread_id" ? request.threadId : request.assistantId) ?? "");
      return { value: { [idField]: id }, input: id };
    },
    async run(): Promise<never> {
      throw new ConnectError("not implemented yet", Code.Unimplemented);
    },
  });
}
