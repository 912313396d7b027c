import type { CachedIdentity } from "./cached-identity.js";
import type { IdentityCache } from "./identity-cache.js";
import { requestFingerprint, reusableFor } from "./request-binding.js";
import { SingleFlight } from "./single-flight.js";

/** Where a verdict was found: this process's L1, the shared cache, or neither, so it was verified. */
export type IdentityTier = "l1" | "shared" | "verify";

/** What an identity resolver needs. */
export interface IdentityResolverDeps<Request> {
  /** The HMAC secret of credential keys and request bindings. */
  secret: Buffer;
  cache: IdentityCache;
  /**
   * Verifies a credential no cache vouches for, and remembers the verdict
   * where this service keeps it. Called once per flight of requests that a
   * verifier could not tell apart.
   */
  verify(key: string, request: Request): Promise<CachedIdentity>;
  /** Told which tier answered each lookup, for metrics. */
  onTier?: (tier: IdentityTier) => void;
}

/** One request to resolve: its credential key, headers and request line, and what `verify` needs. */
export interface IdentityQuery<Request> {
  key: string;
  headers: Headers;
  line: string;
  request: Request;
  /**
   * Called once the caches have been asked, before any verification, with
   * what they held (undefined on a miss); it may throw to stop the request,
   * as a rate limit does.
   */
  afterLookup?: (cached: CachedIdentity | undefined) => void | Promise<void>;
}

/** Finds the verdict on a request's credential: L1, then the shared cache, then one verification. */
export interface IdentityResolver<Request> {
  resolve(query: IdentityQuery<Request>): Promise<CachedIdentity>;
}

/**
 * The lookup authn and the store share: the L1, then the shared cache, then
 * a verification that concurrent requests a verifier could not tell apart
 * (the same credential, headers and request line) share, so none gets the
 * verdict or the failure of a request it differs from. An entry whose verdict
 * depends on other request details (a request binding) answers only requests
 * that share them.
 */
export function createIdentityResolver<Request>(deps: IdentityResolverDeps<Request>): IdentityResolver<Request> {
  const flights = new SingleFlight<string, CachedIdentity>();
  return {
    async resolve({ key, headers, line, request, afterLookup }) {
      const reusable = reusableFor(deps.secret, headers, line);
      let entry = reusable(deps.cache.lookupLocal(key));
      if (entry !== undefined) {
        deps.onTier?.("l1");
      } else if ((entry = reusable(await deps.cache.lookupShared(key))) !== undefined) {
        deps.onTier?.("shared");
      }
      await afterLookup?.(entry);
      if (entry !== undefined) return entry;
      deps.onTier?.("verify");
      return flights.run(`${key}:${requestFingerprint(deps.secret, headers, line)}`, async () => {
        // A verification of this key may have finished between the cache miss and now.
        return reusable(deps.cache.lookupLocal(key)) ?? deps.verify(key, request);
      });
    },
  };
}
