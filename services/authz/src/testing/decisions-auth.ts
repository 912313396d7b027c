/**
 * An auth module with one handler per kind of outcome, for the authz service
 * tests: each event below answers the way its comment says.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Auth, HTTPException } from "@gatehouse/auth";

export const auth = new Auth()
  .authenticate(() => "unused")
  // Allows, stamps the owner into value.metadata, and filters to the caller's rows.
  .on("threads:create", ({ user, value }) => {
    value.metadata = { ...value.metadata, owner: user.identity };
    return { owner: user.identity };
  })
  // Allows with a filter; takes 300 ms for the user "slow".
  .on("threads:read", async ({ user }) => {
    if (user.identity === "slow") await sleep(300);
    return { owner: user.identity };
  })
  // Allows every row.
  .on("threads:search", () => undefined)
  // Denies with 403.
  .on("threads:delete", () => false)
  // Denies with 412 and a header; 402 for the user "unpaid".
  .on("threads:update", ({ user }) => {
    if (user.identity === "unpaid") throw new HTTPException(402, { message: "payment required" });
    throw new HTTPException(412, { message: "the thread changed", headers: { "x-precondition": "etag" } });
  })
  // Cannot decide: throws something other than an HTTPException.
  .on("threads:create_run", () => {
    throw new Error("the policy database is down");
  })
  // Cannot decide: runs past any budget the tests give.
  .on("assistants:read", () => sleep(60_000))
  // Cannot decide: returns something that is not a result.
  .on("assistants:create", () => "yes" as never)
  // Cannot decide: leaves value.metadata in a state that cannot be persisted.
  .on("assistants:update", ({ value }) => {
    (value as { metadata: unknown }).metadata = "not an object";
  })
  // Moves every item under the caller's own namespace and stamps the value's owner.
  .on("store", ({ user, value, action }) => {
    const item = value as { namespace?: string[]; value?: Record<string, unknown> };
    item.namespace = [user.identity, ...(item.namespace ?? [])];
    if (action === "put") item.value = { ...item.value, owner: user.identity };
    return { owner: user.identity };
  });
