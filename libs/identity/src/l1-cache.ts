import type { CachedIdentity } from "./cached-identity.js";

/**
 * A bounded in-process cache in front of the shared store. Entries live at
 * most `ttlMs` and never past their own cacheUntil; reads never extend them.
 * When full, the oldest entry goes first.
 */
export class L1Cache {
  readonly #entries = new Map<string, { entry: CachedIdentity; until: number }>();

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
    const until = Math.min(this.now() + this.ttlMs, entry.cacheUntil);
    if (until <= this.now()) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    this.#entries.set(key, { entry, until });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
