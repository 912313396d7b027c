import type { RequestReads } from "@gatehouse/identity";

/** A Request as the authenticate callback sees it, and what the callback has read of it so far. */
export interface TrackedRequest {
  request: Request;
  reads(): RequestReads;
}

// Headers methods that reveal every header at once.
const wholeHeaderReads = new Set<PropertyKey>(["forEach", "entries", "keys", "values", Symbol.iterator]);

/**
 * Wraps a Request so that what the authenticate callback reads of it is
 * known: which headers by name, whether it walked all of them, and whether
 * it read the request line (the URL or the method). A verdict is then
 * cached bound to exactly those values (see RequestBinding). Anything the
 * wrapper cannot follow, such as a clone, counts as reading everything, so
 * an unforeseen read binds more, never less.
 */
export function trackReads(request: Request): TrackedRequest {
  const names = new Set<string>();
  let all = false;
  let path = false;
  const headers = new Proxy(request.headers, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property === "get" || property === "has") {
        return (name: string) => {
          names.add(String(name).toLowerCase());
          return (value as (name: string) => unknown).call(target, name);
        };
      }
      if (property === "getSetCookie") names.add("set-cookie");
      else if (wholeHeaderReads.has(property)) all = true;
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
  const tracked = new Proxy(request, {
    get(target, property) {
      if (property === "headers") return headers;
      if (property === "url" || property === "method") path = true;
      else if (property === "clone") {
        all = true;
        path = true;
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { request: tracked, reads: () => ({ headers: all ? "all" : names, path }) };
}
