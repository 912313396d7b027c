/**
 * The benchmark's auth module: the tutorial's owner handler, with a token per
 * owner ("Bearer bench-<n>" is owner "owner-<n>") so load can spread over
 * many owners.
 */
import { Auth, HTTPException } from "@gatehouse/auth";

export const auth = new Auth()
  .authenticate((request) => {
    const match = /^Bearer bench-(\d+)$/.exec(request.headers.get("authorization") ?? "");
    if (match === null) throw new HTTPException(401, { headers: { "www-authenticate": "Bearer" } });
    return { identity: `owner-${match[1]}` };
  })
  .on("*", ({ user, value }) => {
    if (value !== null && typeof value === "object" && "metadata" in value) {
      const target = value as { metadata?: Record<string, unknown> };
      target.metadata = { ...target.metadata, owner: user.identity };
    }
    return { owner: user.identity };
  });
