import { createHmac, type Hmac } from "node:crypto";

/** The header names whose values identify a credential, lower case. */
export const defaultCredentialHeaders: readonly string[] = ["authorization"];

/**
 * The cache key of a credential: an HMAC-SHA256, under a server secret, of
 * the configured credential headers. The raw token never becomes a key, and
 * without the secret a key cannot be tested against guessed tokens.
 */
export function credentialKey(secret: Buffer, headers: Headers, names: readonly string[]): string {
  const hmac = createHmac("sha256", secret);
  hashHeaders(hmac, names.map((name) => [name, headers.get(name)]));
  return hmac.digest("hex");
}

/**
 * Feeds header names and values (null: absent) into an HMAC so that two
 * different lists never feed the same bytes: NUL cannot occur in a header, so
 * the separators cannot be forged, and an absent header differs from an empty one.
 */
export function hashHeaders(hmac: Hmac, entries: Iterable<readonly [string, string | null]>): void {
  for (const [name, value] of entries) hmac.update(name).update("\u0000").update(value ?? "").update(value === null ? "\u0001" : "\u0000");
}
