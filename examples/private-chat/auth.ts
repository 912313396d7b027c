/**
 * The "make conversations private" tutorial (SPEC §7) as a Gatehouse auth
 * module. Two exports, each loadable from gatehouse.json:
 *
 * - `auth`: one global handler stamps `metadata.owner` and filters on it.
 * - `scopedAuth`: the same, plus specific handlers for thread create/read,
 *   a deny-all for assistants and a namespace check for the store.
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

export const auth = new Auth().authenticate(authenticate).on("*", addOwner);

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
  .on.store(function authorizeStore({ user, value }) {
    if (value.namespace?.[0] !== user.identity) {
      throw new HTTPException(403, { message: "Not authorized" });
    }
  });
