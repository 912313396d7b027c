/** How deep a JSON document may nest by default: objects and arrays, the outermost one counting as level 1. */
export const defaultMaxJsonDepth = 32;

/** Where a JSON value breaks the rules every JSON-carrying field follows, and why. */
export interface JsonProblem {
  /** The offending place, as `metadata.a.b` or `input.messages[0]`. */
  path: string;
  problem: string;
}

/**
 * Finds the first place in a JSON value that Gatehouse refuses to carry,
 * or undefined when there is none: a number that is NaN or infinite (JSON
 * has no such number; stored, it would turn into null), nesting deeper than
 * `maxDepth` objects and arrays (serializers recurse, so a deep document
 * would overflow the stack on its way through the services), and a
 * "__proto__" key (the protobuf Struct decoder drops it, and a plain object
 * cannot hold it as data without care). `path` names the value itself.
 */
export function findJsonProblem(value: unknown, path: string, maxDepth: number = defaultMaxJsonDepth): JsonProblem | undefined {
  return walk(value, path, 0, maxDepth);
}

function walk(value: unknown, path: string, depth: number, maxDepth: number): JsonProblem | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value) ? undefined : { path, problem: `${value} is not a JSON number` };
  }
  if (value === null || typeof value !== "object") return undefined;
  if (depth + 1 > maxDepth) return { path, problem: `nests deeper than ${maxDepth} levels` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = walk(value[i], `${path}[${i}]`, depth + 1, maxDepth);
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const child = path === "" ? key : `${path}.${key}`;
    if (key === "__proto__") return { path: child, problem: 'the key "__proto__" is not allowed' };
    const found = walk((value as Record<string, unknown>)[key], child, depth + 1, maxDepth);
    if (found) return found;
  }
  return undefined;
}
