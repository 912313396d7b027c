import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { AuthenticateResult } from "@gatehouse/auth";
import { checkRealm, invalidToken } from "./challenge.js";
import { readToken, type TokenOptions } from "./bearer-token.js";
import type { VerifiedUser } from "./verified-user.js";

/** Options of staticTokens: where the token is, and the challenge realm. */
export type StaticTokensOptions = TokenOptions;

/**
 * A verifier for a fixed table of API tokens, each mapped to its user:
 *
 * ```ts
 * new Auth().authenticate(staticTokens({ [process.env.CI_TOKEN!]: { identity: "ci", permissions: ["threads:read"] } }))
 * ```
 *
 * Comparison is constant-time: the presented token and every known token are
 * reduced to HMACs under a key made at start-up, and the presented digest is
 * compared with every known digest by `timingSafeEqual`, without stopping at
 * a match. So response time does not reveal how many leading characters of a
 * guess were right, nor which entry matched. Static tokens carry no expiry.
 */
export function staticTokens(
  tokens: Readonly<Record<string, AuthenticateResult>> | ReadonlyMap<string, AuthenticateResult>,
  options: StaticTokensOptions = {},
): (request: Request) => Promise<VerifiedUser> {
  checkRealm(options.realm);
  const key = randomBytes(32);
  const digest = (token: string) => createHmac("sha256", key).update(token, "utf8").digest();
  const table = (tokens instanceof Map ? [...tokens] : Object.entries(tokens)).map(([token, user]) => {
    if (typeof token !== "string" || token === "") throw new TypeError("staticTokens: every token must be a non-empty string");
    return { digest: digest(token), user: typeof user === "string" ? { identity: user } : user };
  });
  if (table.length === 0) throw new TypeError("staticTokens: give at least one token");
  return async (request) => {
    const presented = digest(readToken(request, options));
    let found: Exclude<AuthenticateResult, string> | undefined;
    for (const entry of table) {
      if (timingSafeEqual(entry.digest, presented) && found === undefined) found = entry.user;
    }
    if (found === undefined) throw invalidToken("unknown token", options);
    // A copy, so a callback that decorates the user cannot change the table.
    return structuredClone(found) as VerifiedUser;
  };
}
