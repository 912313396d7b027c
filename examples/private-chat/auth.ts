/**
 * The "make conversations private" tutorial as a Gatehouse auth
 * module. Two exports, each loadable from gatehouse.json:
 *
 * - `auth`: one global handler stamps `metadata.owner` and filters on it;
 *   the store is partitioned by user instead (see partitionStore).
 * - `scopedAuth`: the same, plus specific handlers for thread create/read
 *   and a deny-all for assistants.
 */
import { Auth, HTTPException, type AuthContext } from "@gatehouse/auth";

const validTokens: Record<string, { id: string; name: string }> = {
  "user1-token": { id: "user1", name: "Alice" },
  "user2-token": { id: "user2", name: "Bob" },
};

/** Reads `authorization: Bearer <token>` and maps the token to its user. */
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

/** Stamps the caller as owner of whatever it creates, and lets it see only what it owns. */
function addOwner({ user, value }: AuthContext<unknown>) {
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

export const auth = new Auth().authenticate(authenticate).on("*", addOwner).on.store(partitionStore);

export const scopedAuth = new Auth()
  .authenticate(authenticate)
  .on("*", addOwner)
  .on.threads.create(function onThreadCreate({ user, value }) {
    value.metadata = { ...value.metadata, owner: user.identity };
    return { owner: user.identity };
  })
  .on.threads.read(function onThreadRead({ user }) {
    return { owner: user.identity };
  })
  .on.assistants(function onAssistants() {
    throw new HTTPException(403, { message: "User lacks the required permissions." });
  })
  .on.store(partitionStore);
