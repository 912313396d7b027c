import { checkRealm, invalidToken, providerUnavailable } from "./challenge.js";
import { readToken, type TokenOptions } from "./bearer-token.js";
import { callProvider, providerUrl } from "./provider-fetch.js";
import { defaultClaimsToUser, toVerifiedUser, type Claims, type ClaimsToUser, type VerifiedUser } from "./verified-user.js";

/** Options of userinfoVerifier. */
export interface UserinfoVerifierOptions extends TokenOptions {
  /** The endpoint that returns the user for a bearer token, such as OIDC userinfo or `<supabase>/auth/v1/user`. */
  url: string | URL;
  /** Extra headers for the provider, such as Supabase's `apikey`. */
  headers?: Record<string, string>;
  /** The time budget of one call; default 1 500 ms, below the store's 2 s deadline. */
  timeoutMs?: number;
  /** Response to user; default: identity from `sub` or `id`, display_name from `name`, permissions from `permissions` or `scope`. */
  toUser?: ClaimsToUser;
}

/**
 * A verifier that asks the identity provider who a bearer token belongs to,
 * the pattern of LangGraph's third auth tutorial (Supabase): a GET with
 * `authorization: Bearer <token>` whose JSON answer is the user.
 *
 * ```ts
 * new Auth().authenticate(userinfoVerifier({ url: `${SUPABASE_URL}/auth/v1/user`, headers: { apikey: SUPABASE_KEY } }))
 * ```
 *
 * 400, 401 and 403 mean the provider refused the token: a 401 with a
 * challenge. Any other status, a timeout or a body that is not a JSON object
 * is a 503, never a verdict on the token. Such endpoints rarely say when the
 * token expires; an `exp` in the answer is honoured, otherwise authn caches
 * the user for its configured TTL (GATEHOUSE_IDENTITY_TTL_MS).
 */
export function userinfoVerifier(options: UserinfoVerifierOptions): (request: Request) => Promise<VerifiedUser> {
  checkRealm(options.realm);
  const url = providerUrl(options.url, "userinfoVerifier: url");
  const toUser = options.toUser ?? userinfoClaimsToUser;
  return async (request) => {
    const token = readToken(request, options);
    const response = await callProvider(
      url,
      { method: "GET", headers: { ...options.headers, accept: "application/json", authorization: `Bearer ${token}` } },
      { what: "the userinfo endpoint", timeoutMs: options.timeoutMs ?? 1_500, signal: request.signal, maxBodyBytes: 64 * 1024 },
    );
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      throw invalidToken("token refused by the identity provider", options);
    }
    if (response.body === undefined) throw providerUnavailable(`the userinfo endpoint answered ${response.status}`);
    const claims = response.body;
    if (typeof claims.exp === "number" && claims.exp <= Date.now() / 1000) throw invalidToken("token expired", options);
    return toVerifiedUser(claims, request, toUser, typeof claims.exp === "number" ? claims.exp : undefined, options);
  };
}

/** The default userinfo mapping: defaultClaimsToUser, with the `id` most user APIs return standing in for `sub`. */
function userinfoClaimsToUser(claims: Claims) {
  return defaultClaimsToUser(typeof claims.sub === "string" ? claims : { ...claims, sub: claims.id });
}
