import type { Route } from "./route.js";

/** The outcome of matching a request line against the route table. */
export type Match =
  | { kind: "found"; route: Route; params: Record<string, string> }
  | { kind: "method-not-allowed"; allowed: string[] }
  | { kind: "not-found" };

interface CompiledRoute {
  route: Route;
  segments: readonly string[];
  /** One flag per segment: true for a literal, so literals outrank parameters. */
  literal: readonly boolean[];
}

/**
 * Matches method and path against the route table. Paths are compared
 * segment by segment; where several patterns match, the one whose first
 * differing segment is a literal wins, so `/threads/search` is never taken
 * for a thread id. A path that matches only under other methods is 405 with
 * the allowed methods, as HTTP servers answer.
 */
export function createRouter(routes: readonly Route[]): (method: string, path: string) => Match {
  const compiled: CompiledRoute[] = routes.map((route) => {
    const segments = route.path.split("/").slice(1);
    return { route, segments, literal: segments.map((segment) => !segment.startsWith(":")) };
  });
  return (method, path) => {
    const segments = path.split("/").slice(1);
    let best: { entry: CompiledRoute; params: Record<string, string> } | undefined;
    const allowed = new Set<string>();
    for (const entry of compiled) {
      const params = matchSegments(entry, segments);
      if (params === undefined) continue;
      allowed.add(entry.route.method);
      if (entry.route.method !== method) continue;
      if (best === undefined || outranks(entry, best.entry)) best = { entry, params };
    }
    if (best !== undefined) return { kind: "found", route: best.entry.route, params: best.params };
    if (allowed.size > 0) return { kind: "method-not-allowed", allowed: [...allowed].sort() };
    return { kind: "not-found" };
  };
}

function matchSegments(entry: CompiledRoute, segments: readonly string[]): Record<string, string> | undefined {
  if (entry.segments.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const pattern = entry.segments[i]!;
    const actual = segments[i]!;
    if (entry.literal[i]) {
      if (pattern !== actual) return undefined;
      continue;
    }
    if (actual === "") return undefined;
    try {
      params[pattern.slice(1)] = decodeURIComponent(actual);
    } catch {
      return undefined;
    }
  }
  return params;
}

function outranks(candidate: CompiledRoute, incumbent: CompiledRoute): boolean {
  for (let i = 0; i < candidate.literal.length; i++) {
    if (candidate.literal[i] !== incumbent.literal[i]) return candidate.literal[i]!;
  }
  return false;
}
