import { checkRealm, invalidToken, providerUnavailable, type ChallengeOptions } from "./challenge.js";
import { readToken, type TokenOptions } from "./bearer-token.js";
import { callProvider, providerUrl } from "./provider-fetch.js";
import { defaultClaimsToUser, toVerifiedUser, type Claims, type ClaimsToUser, type VerifiedUser } from "./verified-user.js";

/** Options of introspectionVerifier. */
export interface IntrospectionVerifierOptions extends TokenOptions {
  /** The provider's RFC 7662 introspection endpoint. */
  url: string | URL;
  /** This resource server's client credentials at the provider. */
  clientId: string;
  clientSecret: string;
  /** How they are sent: HTTP Basic (`client_secret_basic`, default) or in the form (`client_secret_post`). */
  clientAuth?: "basic" | "post";
  /** The accepted `iss` value(s), when the provider returns one. */
  issuer?: string | string[];
  /** The accepted `aud` value(s); when set, a response without a matching `aud` is refused. */
  audience?: string | string[];
  /** Sent as `token_type_hint`; default "access_token". */
  tokenTypeHint?: string;
  /** Leeway for `exp` and `nbf` against clock skew, in seconds; default 5. */
  clockToleranceSec?: number;
  /** The time budget of one introspection call; default 1 500 ms, below the store's 2 s deadline. */
  timeoutMs?: number;
  /** Extra headers for the provider. */
  headers?: Record<string, string>;
  /** Response to user; default defaultClaimsToUser (sub, name, permissions or scope). */
  toUser?: ClaimsToUser;
}

/**
 * A verifier for opaque tokens checked by OAuth 2.0 Token Introspection
 * (RFC 7662): it POSTs `token=...` with the client's credentials and accepts
 * the token only when the answer says `"active": true` (the boolean, not a
 * truthy value), and `exp`, `nbf`, `iss` and `aud`, when present or
 * configured, agree.
 *
 * ```ts
 * new Auth().authenticate(introspectionVerifier({ url, clientId, clientSecret }))
 * ```
 *
 * An inactive token is a 401 with a challenge. A provider that does not answer
 * 200 with a JSON object in time is a 503: RFC 7662 answers every token
 * question with 200, so anything else is about the provider or our client
 * credentials, never the token. The user carries `expires_at` = `exp`.
 */
export function introspectionVerifier(options: IntrospectionVerifierOptions): (request: Request) => Promise<VerifiedUser> {
  checkRealm(options.realm);
  const url = providerUrl(options.url, "introspectionVerifier: url");
  if (!options.clientId) throw new TypeError("introspectionVerifier: clientId is required");
  const toUser = options.toUser ?? defaultClaimsToUser;
  const basic = `Basic ${Buffer.from(`${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`).toString("base64")}`;
  return async (request) => {
    const token = readToken(request, options);
    const form = new URLSearchParams({ token, token_type_hint: options.tokenTypeHint ?? "access_token" });
    const headers: Record<string, string> = { ...options.headers, accept: "application/json" };
    if (options.clientAuth === "post") {
      form.set("client_id", options.clientId);
      form.set("client_secret", options.clientSecret);
    } else {
      headers.authorization = basic;
    }
    const response = await callProvider(
      url,
      { method: "POST", headers, body: form },
      { what: "token introspection", timeoutMs: options.timeoutMs ?? 1_500, signal: request.signal, maxBodyBytes: 64 * 1024 },
    );
    if (response.body === undefined) throw providerUnavailable(`token introspection answered ${response.status}`);
    const claims = response.body;
    checkIntrospection(claims, options);
    return toVerifiedUser(claims, request, toUser, typeof claims.exp === "number" ? claims.exp : undefined, options);
  };
}

/** RFC 7662 §2.2 checks on an introspection response. */
function checkIntrospection(claims: Claims, options: IntrospectionVerifierOptions & ChallengeOptions): void {
  if (claims.active !== true) throw invalidToken("token not active", options);
  const now = Date.now() / 1000;
  const tolerance = options.clockToleranceSec ?? 5;
  if (claims.exp !== undefined && !(typeof claims.exp === "number" && claims.exp > now - tolerance)) {
    throw invalidToken("token expired", options);
  }
  if (claims.nbf !== undefined && !(typeof claims.nbf === "number" && claims.nbf <= now + tolerance)) {
    throw invalidToken("token not yet valid", options);
  }
  if (options.issuer !== undefined && !listOf(options.issuer).includes(claims.iss as string)) {
    throw invalidToken("token iss claim invalid", options);
  }
  if (options.audience !== undefined) {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.some((audience) => typeof audience === "string" && listOf(options.audience!).includes(audience))) {
      throw invalidToken("token aud claim invalid", options);
    }
  }
}

function listOf(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

/** RFC 6749 §2.3.1: client credentials are form-encoded before Basic encoding. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
