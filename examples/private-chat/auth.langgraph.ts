/**
 * The same tutorial module as auth.ts, written for LangGraph.js: it imports
 * Auth and HTTPException from @langchain/langgraph-sdk/auth and runs on
 * Gatehouse unchanged (gatehouse.langgraph.json loads it).
 */
import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";

const validTokens: Record<string, { id: string; name: string }> = {
  "user1-token": { id: "user1", name: "Alice" },
  "user2-token": { id: "user2", name: "Bob" },
};

async function authenticate(request: Request) {
  const authorization = request.headers.get("authorization");
  if (!authorization) {
    throw new HTTPException(401, { message: "Missing authorization header", headers: { "www-authenticate": "Bearer" } });
  }
  const [scheme, token, ...rest] = authorization.split(" ");
  if (scheme?.toLowerCase() !== "bearer" || !token || rest.length > 0) {
    throw new HTTPException(401, { message: "Malformed authorization header", headers: { "www-authenticate": "Bearer" } });
  }
  const user = Object.hasOwn(validTokens, token) ? validTokens[token] : undefined;
  if (user === undefined) {
    throw new HTTPException(401, { message: "Invalid token", headers: { "www-authenticate": 'Bearer error="invalid_token"' } });
  }
  return { identity: user.id, display_name: user.name, permissions: [] };
}

function addOwner({ user, value }: { user: { identity: string }; value: unknown }) {
  const filters = { owner: user.identity };
  if (value !== null && typeof value === "object" && "metadata" in value) {
    const target = value as { metadata?: Record<string, unknown> };
    target.metadata = { ...target.metadata, ...filters };
  }
  return filters;
}

/**
 * Partitions the store by user, as LangGraph's documentation does: every
 * namespace starts with the caller's identity. Owner stamping makes no sense
 * for items (their value is the caller's data, and a filter on it would let
 * one user learn whether another's key exists, or take it first); a search or
 * a listing without a prefix is narrowed to the caller's own namespaces, and
 * any other namespace is refused before anything is read, so the answer never
 * depends on what is stored there.
 */
function partitionStore({ user, value }: { user: { identity: string }; value: { namespace?: string[] | null } }) {
  if (value.namespace == null || value.namespace.length === 0) {
    value.namespace = [user.identity];
    return;
  }
  if (value.namespace[0] !== user.identity) {
    throw new HTTPException(403, { message: "Not authorized: store namespaces start with your user id" });
  }
}

export const auth = new Auth().authenticate(authenticate).on("*", addOwner).on("store", partitionStore);

export const scopedAuth = new Auth()
  .authenticate(authenticate)
  .on("*", addOwner)
  .on("threads:create", ({ user, value }) => {
    value.metadata = { ...value.metadata, owner: user.identity };
    return { owner: user.identity };
  })
  .on("threads:read", ({ user }) => ({ owner: user.identity }))
  .on("assistants", () => {
    throw new HTTPException(403, { message: "User lacks the required permissions." });
  })
  .on("store", partitionStore);
