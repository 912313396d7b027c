import type { CachedIdentity } from "./cached-identity.js";

/**
 * A bounded in-process cache in front of the shared store. Entries live at
 * most `ttlMs` and never past their own cacheUntil; reads never extend them.
 * When full, the oldest entry goes first. A revoked key is held: for the
 * hold, no user is stored under it, so a lookup or verification that was in
 * flight when the revocation arrived cannot store the revoked identity.
 * Rejections may be stored: they grant nothing.
 */
export class L1Cache {
  readonly #entries = new Map<string, { entry: CachedIdentity; until: number }>();
  readonly #held = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): CachedIdentity | undefined {
    const slot = this.#entries.get(key);
    if (slot === undefined) return undefined;
    if (slot.until <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return slot.entry;
  }

  set(key: string, entry: CachedIdentity): void {
    if (this.ttlMs <= 0 || this.maxEntries <= 0) return;
    const now = this.now();
    if (entry.kind === "user" && this.#isHeld(key, now)) return;
    const until = Math.min(now + this.ttlMs, entry.cacheUntil);
    if (until <= now) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    this.#entries.set(key, { entry, until });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Drops the entry and refuses to store a user under the key for holdMs. */
  revoke(key: string, holdMs: number): void {
    this.#entries.delete(key);
    if (holdMs <= 0) return;
    this.#held.delete(key);
    if (this.#held.size >= Math.max(this.maxEntries, 1)) this.#held.delete(this.#held.keys().next().value!);
    this.#held.set(key, this.now() + holdMs);
  }

  /** Drops every entry (holds stay). */
  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  #isHeld(key: string, now: number): boolean {
    const until = this.#held.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#held.delete(key);
    return false;
  }
}
