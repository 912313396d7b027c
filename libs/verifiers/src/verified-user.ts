import type { AuthenticateResult } from "@gatehouse/auth";
import { invalidToken, type ChallengeOptions } from "./challenge.js";

/** The claims a provider vouched for: a JWT payload, an introspection or a userinfo response. */
export type Claims = Record<string, unknown>;

/**
 * Turns verified claims into the user (README "Your auth module"). Throw HTTPException(401 or
 * 403) to refuse a token that verified but lacks what you need.
 */
export type ClaimsToUser = (claims: Claims, request: Request) => AuthenticateResult | Promise<AuthenticateResult>;

/**
 * What every verifier returns, ready to be returned from an authenticate
 * callback: the user, plus `expires_at` (epoch seconds) when the credential
 * carries its own expiry. authn never caches the user past `expires_at`, so a
 * token stops working at its expiry whatever the cache TTLs say.
 */
export interface VerifiedUser {
  identity: string;
  display_name?: string;
  is_authenticated?: boolean;
  permissions?: string[];
  /** When the credential stops being valid, in seconds since the epoch (a JWT's `exp`). */
  expires_at?: number;
  [extra: string]: unknown;
}

/**
 * The default claims mapping: `identity` from `sub`, `display_name` from
 * `name`, `permissions` from a `permissions` string list or else the
 * space-separated `scope` (or `scp`). No other claim is copied, so personal
 * data in a token reaches handlers only when a `toUser` asks for it.
 */
export function defaultClaimsToUser(claims: Claims): AuthenticateResult {
  const user: VerifiedUser = { identity: claims.sub as string, permissions: permissionsOf(claims) };
  if (typeof claims.name === "string" && claims.name !== "") user.display_name = claims.name;
  return user;
}

function permissionsOf(claims: Claims): string[] {
  const listed = claims.permissions;
  if (Array.isArray(listed) && listed.every((item) => typeof item === "string")) return [...listed];
  const scope = typeof claims.scope === "string" ? claims.scope : claims.scp;
  if (typeof scope === "string") return scope.split(" ").filter(Boolean);
  if (Array.isArray(scope) && scope.every((item) => typeof item === "string")) return [...scope];
  return [];
}

/**
 * Runs the claims mapping and attaches the credential's expiry. A user that
 * names its own `expires_at` keeps the earlier of the two, so a mapping can
 * shorten a token's cache life but never lengthen it. A mapping that yields no
 * identity is a 401: the provider vouched for a token that names nobody.
 */
export async function toVerifiedUser(
  claims: Claims,
  request: Request,
  toUser: ClaimsToUser,
  expiresAt: number | undefined,
  options: ChallengeOptions,
): Promise<VerifiedUser> {
  const result = await toUser(claims, request);
  const user: VerifiedUser = typeof result === "string" ? { identity: result } : { ...result };
  if (typeof user.identity !== "string" || user.identity === "") throw invalidToken("token names no subject", options);
  if (expiresAt !== undefined) {
    const own = user.expires_at;
    user.expires_at = typeof own === "number" && own < expiresAt ? own : expiresAt;
  }
  return user;
}
