import { describeType } from "@gatehouse/filters";

/** The user an authenticate callback produced, as handlers see it (README "Your auth module"). */
export interface BaseUser {
  identity: string;
  display_name: string;
  is_authenticated: boolean;
  permissions: string[];
  /** Extra fields the callback returned (role, org_id, ...), verbatim. */
  [extra: string]: unknown;
}

/** What an authenticate callback may return: an identity, or an object with one. */
export type AuthenticateResult =
  | string
  | {
      identity: string;
      display_name?: string;
      is_authenticated?: boolean;
      permissions?: string[];
      [extra: string]: unknown;
    };

/** An authenticate callback: receives the request as a Fetch Request (README "Your auth module"). */
export type AuthenticateCallback = (request: Request) => AuthenticateResult | Promise<AuthenticateResult>;

/** An authenticate callback returned something that is not a user. */
export class InvalidUserError extends Error {
  override readonly name = "InvalidUserError";
}

/**
 * Fills in the defaults of README "Your auth module" (display_name = identity,
 * is_authenticated = true, permissions = []) and checks the types, so that
 * every service sees the same user. Throws InvalidUserError naming the problem.
 */
export function normalizeUser(result: unknown): BaseUser {
  if (typeof result === "string") {
    if (result === "") throw new InvalidUserError("authenticate returned an empty identity");
    return { identity: result, display_name: result, is_authenticated: true, permissions: [] };
  }
  if (result === null || typeof result !== "object" || Array.isArray(result)) {
    throw new InvalidUserError(`authenticate must return a string or an object with an identity, got ${describeType(result)}`);
  }
  const { identity, display_name, is_authenticated, permissions, ...extra } = result as Record<string, unknown>;
  if (typeof identity !== "string" || identity === "") {
    throw new InvalidUserError(`authenticate returned an object whose identity is ${describeType(identity)}, not a non-empty string`);
  }
  if (display_name !== undefined && typeof display_name !== "string") {
    throw new InvalidUserError(`authenticate returned a display_name that is ${describeType(display_name)}, not a string`);
  }
  if (is_authenticated !== undefined && typeof is_authenticated !== "boolean") {
    throw new InvalidUserError(`authenticate returned is_authenticated as ${describeType(is_authenticated)}, not a boolean`);
  }
  if (permissions !== undefined && !(Array.isArray(permissions) && permissions.every((p) => typeof p === "string"))) {
    throw new InvalidUserError("authenticate returned permissions that are not a list of strings");
  }
  return {
    ...extra,
    identity,
    display_name: display_name ?? identity,
    is_authenticated: is_authenticated ?? true,
    permissions: permissions ?? [],
  };
}
