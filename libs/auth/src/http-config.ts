import { ConfigError } from "./config-error.js";
import { parseModuleExport, type ModuleExport } from "./module-path.js";

/** A key under `http` that Gatehouse reads past, and why. */
export interface IgnoredHttpKey {
  key: string;
  why: string;
}

/** What the `http` section of gatehouse.json says (README "Custom routes"). */
export interface HttpConfig {
  /** The app whose routes the gateway serves beside its own; undefined without `http.app`. */
  app: ModuleExport | undefined;
  /** The keys under `http` that Gatehouse does not act on, for the gateway to warn about at start-up. */
  ignored: IgnoredHttpKey[];
}

const appField = { field: "http.app", what: "the custom routes' app", defaultExport: "app" };

// What happens instead of what LangGraph's http keys ask for. Only `app` is acted
// on; none of the others may make Gatehouse serve a request it would not serve
// without them, so a langgraph.json that sets them still loads.
const insteadOf: Record<string, string> = {
  enable_custom_route_auth: "Gatehouse authenticates every request to a custom route whatever this says (fail closed)",
  cors: "Gatehouse sends no CORS headers, so a browser page on another origin cannot call it",
  mount_prefix: "custom routes are served at the paths the app declares",
};

function whyIgnored(key: string): string {
  if (key.startsWith("disable_")) return "Gatehouse's built-in routes are always served, each one authorized, and a custom route cannot replace one";
  return insteadOf[key] ?? "Gatehouse does not implement it";
}

/**
 * Reads `http` of gatehouse.json, shaped like langgraph.json's:
 * `{ "app": "./app.ts:app" }`, the app's file resolved against the config
 * file's folder and its export "app" unless the value names one. Every other
 * key (LangGraph's cors, disable_*, enable_custom_route_auth, …) is listed as
 * ignored with what Gatehouse does instead, except
 * `enable_custom_route_auth: true`, which is what Gatehouse always does.
 * Throws a ConfigError naming the field for a section that is not an object
 * or an app that is not a module path.
 */
export function readHttpConfig(http: unknown, configPath: string): HttpConfig {
  if (http === undefined) return { app: undefined, ignored: [] };
  if (typeof http !== "object" || http === null || Array.isArray(http)) {
    throw new ConfigError(`${configPath}: "http" must be an object, such as { "app": "./app.ts:app" }`);
  }
  const { app, ...rest } = http as Record<string, unknown>;
  const ignored = Object.entries(rest)
    .filter(([key, value]) => !(key === "enable_custom_route_auth" && value === true))
    .map(([key]) => ({ key, why: whyIgnored(key) }));
  return { app: app === undefined ? undefined : parseModuleExport(app, appField, configPath), ignored };
}
