import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";

/** One signing key of the stand-in provider. */
export interface SigningKey {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: CryptoKey;
  /** The public half as published in the JWKS. */
  publicJwk: JWK;
}

/** Makes a signing key with a fresh kid. */
export async function createSigningKey(alg: SigningKey["alg"]): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${alg.toLowerCase()}-${randomUUID()}`;
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

/**
 * The provider's keys: a current RS256 key that rotation replaces, the keys
 * still published after a rotation, and an ES256 key (published, so a test
 * can show that an algorithm outside the allow-list fails on the list alone).
 */
export class KeyRing {
  #published: SigningKey[];

  private constructor(
    public current: SigningKey,
    public readonly ec: SigningKey,
  ) {
    this.#published = [current, ec];
  }

  static async create(): Promise<KeyRing> {
    return new KeyRing(await createSigningKey("RS256"), await createSigningKey("ES256"));
  }

  /** The JWKS document. */
  jwks(): { keys: JWK[] } {
    return { keys: this.#published.map((key) => key.publicJwk) };
  }

  /** Makes a new current RS256 key; the previous one stays published unless retired. */
  async rotate(retirePrevious: boolean): Promise<SigningKey> {
    const previous = this.current;
    this.current = await createSigningKey("RS256");
    this.#published = [this.current, ...this.#published.filter((key) => !(retirePrevious && key === previous))];
    return this.current;
  }

  /** A published key by kid. */
  find(kid: string): SigningKey | undefined {
    return this.#published.find((key) => key.kid === kid);
  }
}
