/**
 * Runs at most one piece of work per key at a time: callers that ask for a
 * key while its work is pending share that work's promise, result or error.
 * This is what makes a burst of requests with one cold credential cost one
 * verification instead of one per request.
 */
export class SingleFlight<K, V> {
  readonly #pending = new Map<K, Promise<V>>();

  run(key: K, work: () => Promise<V>): Promise<V> {
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      pending = work().finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  /** How many keys have work pending. */
  get size(): number {
    return this.#pending.size;
  }
}
