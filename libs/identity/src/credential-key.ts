import { createHmac } from "node:crypto";

/** The header names whose values identify a credential, lower case. */
export const defaultCredentialHeaders: readonly string[] = ["authorization"];

/**
 * The cache key of a credential: an HMAC-SHA256, under a server secret, of
 * the configured credential headers. The raw token never becomes a key, and
 * without the secret a key cannot be tested against guessed tokens.
 */
export function credentialKey(secret: Buffer, headers: Headers, names: readonly string[]): string {
  const hmac = createHmac("sha256", secret);
  for (const name of names) {
    const value = headers.get(name);
    // NUL cannot occur in a header, so these separators cannot be forged.
    hmac.update(name).update("\u0000").update(value ?? "").update(value === null ? "\u0001" : "\u0000");
  }
  return hmac.digest("hex");
}
