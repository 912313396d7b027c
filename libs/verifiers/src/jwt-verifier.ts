import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  jwtVerify,
  type FetchImplementation,
  type JSONWebKeySet,
  type JWSAlgorithm,
  type JWTVerifyGetKey,
} from "jose";
import { checkRealm } from "./challenge.js";
import { readToken, type TokenOptions } from "./bearer-token.js";
import { JwksUnavailable, jwtFailure } from "./jwt-failure.js";
import { providerUrl, readBounded } from "./provider-fetch.js";
import { defaultClaimsToUser, toVerifiedUser, type ClaimsToUser, type VerifiedUser } from "./verified-user.js";

/** Signature algorithms a key set can verify; symmetric ones need a shared secret, not a JWKS. */
const asymmetricAlgorithms: ReadonlySet<string> = new Set([
  "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519",
]);

/** Options of jwtVerifier. */
export interface JwtVerifierOptions extends TokenOptions {
  /** Where the provider publishes its keys (https, or http on loopback). Give this or keySet. */
  jwksUrl?: string | URL;
  /** A fixed JSON Web Key Set of public keys, for providers without a JWKS URL. */
  keySet?: JSONWebKeySet;
  /** The accepted `iss` value(s); required, a token without a matching `iss` is refused. */
  issuer: string | string[];
  /** The accepted `aud` value(s); required, a token for another audience is refused. */
  audience: string | string[];
  /** The only signature algorithms accepted, such as ["RS256"]; `none` and HMAC algorithms are refused. */
  algorithms: JWSAlgorithm[];
  /** Leeway for `exp`, `nbf` and `iat` against clock skew, in seconds; default 5. */
  clockToleranceSec?: number;
  /** Refuse tokens without `exp`; default true, so no token is valid forever. */
  requireExp?: boolean;
  /** Further claims that must be present, such as ["jti"]. */
  requiredClaims?: string[];
  /** Refuse tokens whose `iat` is older than this, in seconds. */
  maxTokenAgeSec?: number;
  /** The required `typ` header, such as "at+jwt" (RFC 9068). */
  typ?: string;
  /** Least time between two key-set fetches triggered by an unknown `kid`; default 30 000 ms. */
  jwksCooldownMs?: number;
  /** How long fetched keys are used before a refetch; default 600 000 ms. */
  jwksCacheMaxAgeMs?: number;
  /** The time budget of one key-set fetch; default 1 500 ms. */
  jwksTimeoutMs?: number;
  /** Claims to user; default defaultClaimsToUser (sub, name, permissions or scope). */
  toUser?: ClaimsToUser;
}

/**
 * A verifier for JWT bearer tokens signed by keys from a JWKS URL or a fixed
 * key set, built on `jose`:
 *
 * ```ts
 * new Auth().authenticate(jwtVerifier({ jwksUrl, issuer, audience, algorithms: ["RS256"] }))
 * ```
 *
 * Keys come only from the configured source: `jku`, `x5u` and embedded `jwk`
 * headers are ignored, so a token cannot name the key that verifies it. The
 * algorithm allow-list is checked before any key lookup, which defeats `none`
 * and RS256-to-HS256 confusion. An unknown `kid` refetches the key set at most
 * once per cool-down (key rotation works; a flood of forged kids does not
 * reach the provider). Every token failure is a 401 with a `www-authenticate`
 * challenge; a key set that cannot be fetched is a 503. The user carries
 * `expires_at` = the token's `exp`, which caps how long authn caches it.
 */
export function jwtVerifier(options: JwtVerifierOptions): (request: Request) => Promise<VerifiedUser> {
  checkRealm(options.realm);
  const algorithms = checkAlgorithms(options.algorithms);
  const keys = keyResolver(options);
  const toUser = options.toUser ?? defaultClaimsToUser;
  const requiredClaims = [...(options.requireExp === false ? [] : ["exp"]), ...(options.requiredClaims ?? [])];
  if (!options.issuer || (Array.isArray(options.issuer) && options.issuer.length === 0)) {
    throw new TypeError("jwtVerifier: issuer is required");
  }
  if (!options.audience || (Array.isArray(options.audience) && options.audience.length === 0)) {
    throw new TypeError("jwtVerifier: audience is required");
  }
  return async (request) => {
    const token = readToken(request, options);
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms,
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: options.clockToleranceSec ?? 5,
        requiredClaims,
        ...(options.maxTokenAgeSec === undefined ? {} : { maxTokenAge: options.maxTokenAgeSec }),
        ...(options.typ === undefined ? {} : { typ: options.typ }),
      }));
    } catch (error) {
      throw jwtFailure(error, options);
    }
    return toVerifiedUser(payload, request, toUser, typeof payload.exp === "number" ? payload.exp : undefined, options);
  };
}

function checkAlgorithms(algorithms: JWSAlgorithm[] | undefined): JWSAlgorithm[] {
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new TypeError('jwtVerifier: algorithms must list the accepted signature algorithms, such as ["RS256"]');
  }
  for (const algorithm of algorithms) {
    if (!asymmetricAlgorithms.has(algorithm)) {
      throw new TypeError(`jwtVerifier: algorithm ${JSON.stringify(algorithm)} is not accepted; use one of ${[...asymmetricAlgorithms].join(", ")}`);
    }
  }
  return [...algorithms];
}

function keyResolver(options: JwtVerifierOptions): JWTVerifyGetKey {
  if ((options.jwksUrl === undefined) === (options.keySet === undefined)) {
    throw new TypeError("jwtVerifier: give exactly one of jwksUrl and keySet");
  }
  if (options.keySet !== undefined) return createLocalJWKSet(options.keySet);
  const url = providerUrl(options.jwksUrl!, "jwtVerifier: jwksUrl");
  return createRemoteJWKSet(url, {
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
    timeoutDuration: options.jwksTimeoutMs ?? 1_500,
    [customFetch]: fetchKeySet,
  });
}

/**
 * Fetches the key set for jose, turning an unreachable or non-200 endpoint
 * into JwksUnavailable (a 503, not a verdict on the token) and bounding the
 * body, since jose would read any size.
 */
const fetchKeySet: FetchImplementation = async (url, init) => {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (cause) {
    if ((cause as Error | undefined)?.name === "TimeoutError") throw cause;
    throw new JwksUnavailable("the JWKS endpoint is unreachable", { cause });
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new JwksUnavailable(`the JWKS endpoint answered ${response.status}`);
  }
  let text: string;
  try {
    text = await readBounded(response, "the JWKS endpoint", 256 * 1024);
  } catch (cause) {
    throw new JwksUnavailable("the JWKS endpoint answered with an unreadable body", { cause });
  }
  return new Response(text, { status: 200, headers: { "content-type": "application/json" } });
};
