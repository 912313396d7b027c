/**
 * The baseline the store is compared with: a search as an in-memory server
 * does it (LangGraph.js's dev server keeps threads in a map), scanning every
 * thread, filtering on metadata, sorting, and copying out one page.
 */
interface MemoryThread {
  thread_id: string;
  metadata: Record<string, unknown>;
  created_at: Date;
}

export function buildMemoryThreads(count: number, owners: number): MemoryThread[] {
  return Array.from({ length: count }, (_, i) => ({
    thread_id: crypto.randomUUID(),
    metadata: { owner: `owner-${i % owners}`, n: i },
    created_at: new Date(Date.now() - (count - i) * 1000),
  }));
}

function searchMemory(threads: MemoryThread[], owner: string, limit: number): MemoryThread[] {
  return threads
    .filter((thread) => thread.metadata.owner === owner)
    .sort((a, b) => b.created_at.getTime() - a.created_at.getTime())
    .slice(0, limit)
    .map((thread) => structuredClone(thread));
}

/** Searches per second of one core scanning `threads`, over `durationMs`. */
export function measureMemoryScan(threads: MemoryThread[], owners: number, durationMs: number): { callsPerSecond: number; meanMs: number } {
  let calls = 0;
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    searchMemory(threads, `owner-${calls % owners}`, 10);
    calls += 1;
  }
  const elapsed = performance.now() - started;
  return { callsPerSecond: (calls / elapsed) * 1000, meanMs: elapsed / calls };
}
