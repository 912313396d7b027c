import { isRequestBinding, type RequestBinding } from "./request-binding.js";

/** A user as cached: the normalized fields (README "Your auth module") plus extras, JSON only. */
export interface UserRecord {
  identity: string;
  display_name: string;
  is_authenticated: boolean;
  permissions: string[];
  [extra: string]: unknown;
}

/**
 * What the identity cache holds for one credential: the user it proves, or
 * the rejection it earned (cached briefly so a flood of bad tokens does not
 * reach the identity provider). `cacheUntil` (epoch ms) is when the entry
 * stops being usable anywhere, never after the credential's own expiry.
 */
export type CachedIdentity = (
  | { kind: "user"; user: UserRecord; cacheUntil: number }
  | { kind: "rejected"; status: number; message: string; headers: Record<string, string>; cacheUntil: number }
) & {
  /** Request details besides the credential the verdict depends on; absent when none. */
  binding?: RequestBinding;
};

/** Whether a value read back from the shared store has the shape of a CachedIdentity. */
export function isCachedIdentity(value: unknown): value is CachedIdentity {
  if (value === null || typeof value !== "object") return false;
  const entry = value as Record<string, unknown>;
  if (typeof entry.cacheUntil !== "number") return false;
  // A binding that cannot be read would let the entry answer any request: reject the entry instead.
  if (entry.binding !== undefined && !isRequestBinding(entry.binding)) return false;
  if (entry.kind === "user") {
    const user = entry.user as Record<string, unknown> | null;
    return typeof user === "object" && user !== null && typeof user.identity === "string" && Array.isArray(user.permissions);
  }
  return entry.kind === "rejected" && typeof entry.status === "number" && typeof entry.message === "string";
}
