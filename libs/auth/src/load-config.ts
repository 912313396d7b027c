import { readFile } from "node:fs/promises";
import { ConfigError } from "./config-error.js";
import { readHttpConfig, type HttpConfig } from "./http-config.js";
import { parseModuleExport } from "./module-path.js";

export { ConfigError } from "./config-error.js";

/** gatehouse.json: which auth module to load, which graphs exist, and the custom routes' app. */
export interface GatehouseConfig {
  /** Absolute path of the auth module file. */
  authFile: string;
  /** The module's export holding the Auth instance ("auth" unless the path names one). */
  authExport: string;
  /** Graph ids a run or assistant may name, mapped to their description. */
  graphs: Record<string, string>;
  /** The `http` section: the custom routes' app, if any, and the keys Gatehouse reads past. */
  http: HttpConfig;
}

const authField = { field: "auth.path", what: "the auth module", defaultExport: "auth" };

/**
 * Reads gatehouse.json, shaped like langgraph.json:
 * `{ "auth": { "path": "./auth.ts:auth" }, "graphs": { "agent": "..." }, "http": { "app": "./app.ts:app" } }`.
 * Relative paths resolve against the config file's folder; `http` is
 * optional (see readHttpConfig).
 */
export async function loadConfig(configPath: string): Promise<GatehouseConfig> {
  let text: string;
  try {
    text = await readFile(configPath, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read the config file ${configPath}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${configPath} is not valid JSON: ${(error as Error).message}`);
  }
  const sections = (raw ?? {}) as { auth?: { path?: unknown }; graphs?: unknown; http?: unknown };
  const auth = parseModuleExport(sections.auth?.path, authField, configPath);
  const graphs = sections.graphs ?? {};
  if (typeof graphs !== "object" || graphs === null || Array.isArray(graphs)) {
    throw new ConfigError(`${configPath}: "graphs" must be an object of graph id to description`);
  }
  return {
    authFile: auth.file,
    authExport: auth.exportName,
    graphs: graphs as Record<string, string>,
    http: readHttpConfig(sections.http, configPath),
  };
}
