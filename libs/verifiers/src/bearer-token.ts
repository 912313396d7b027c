import { unauthorized, type ChallengeOptions } from "./challenge.js";

/** Reads the credential a verifier checks from the request; undefined when there is none. */
export type TokenSource = (request: Request) => string | null | undefined;

/** How a verifier finds and bounds the credential. */
export interface TokenOptions extends ChallengeOptions {
  /** Where the token is; default: `authorization: Bearer <token>` (RFC 6750 §2.1). */
  token?: TokenSource;
  /** The longest token accepted, checked before any parsing or crypto; default 8192. */
  maxTokenBytes?: number;
}

/** The default cap on a token's length, the same as authn's header cap. */
export const defaultMaxTokenBytes = 8_192;

// RFC 6750 §2.1: "Bearer" 1*SP b64token. Neither class holds a space or "=", so matching is linear.
const bearerCredentials = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The token of `authorization: Bearer <token>`. A missing header answers a
 * bare `Bearer` challenge (RFC 6750 §3.1: no error code when no credential
 * was sent); an oversized or malformed one answers `invalid_request`. The
 * length is checked first, so nothing else touches an oversized value.
 */
export function bearerToken(request: Request, options: TokenOptions = {}): string {
  const header = request.headers.get("authorization");
  if (header === null || header === "") throw unauthorized("Missing bearer token", undefined, undefined, options);
  if (header.length > (options.maxTokenBytes ?? defaultMaxTokenBytes) + "Bearer ".length) {
    throw unauthorized("Credential too large", "invalid_request", "credential too large", options);
  }
  const match = bearerCredentials.exec(header);
  if (match === null) {
    throw unauthorized("Malformed authorization header", "invalid_request", "expected Bearer credentials", options);
  }
  return match[1]!;
}

/** Applies a verifier's TokenOptions: the configured source, then the length cap. */
export function readToken(request: Request, options: TokenOptions): string {
  if (options.token === undefined) return bearerToken(request, options);
  const token = options.token(request);
  if (token === null || token === undefined || token === "") {
    throw unauthorized("Missing credential", undefined, undefined, options);
  }
  if (token.length > (options.maxTokenBytes ?? defaultMaxTokenBytes)) {
    throw unauthorized("Credential too large", "invalid_request", "credential too large", options);
  }
  return token;
}
