import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";

/** gatehouse.json: which auth module to load and which graphs exist. */
export interface GatehouseConfig {
  /** Absolute path of the auth module file. */
  authFile: string;
  /** The module's export holding the Auth instance ("auth" unless the path names one). */
  authExport: string;
  /** Graph ids a run or assistant may name, mapped to their description. */
  graphs: Record<string, string>;
}

/** A configuration or auth module problem; the service refuses to start with this message. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * Reads gatehouse.json, shaped like langgraph.json:
 * `{ "auth": { "path": "./auth.ts:auth" }, "graphs": { "agent": "..." } }`.
 * Relative paths resolve against the config file's folder.
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
  const auth = (raw as { auth?: { path?: unknown } } | null)?.auth;
  if (typeof auth?.path !== "string" || auth.path === "") {
    throw new ConfigError(`${configPath}: "auth.path" must name the auth module, such as "./auth.ts:auth"`);
  }
  const separator = auth.path.lastIndexOf(":");
  const hasExport = separator > 1;
  const file = hasExport ? auth.path.slice(0, separator) : auth.path;
  const graphs = (raw as { graphs?: unknown }).graphs ?? {};
  if (typeof graphs !== "object" || graphs === null || Array.isArray(graphs)) {
    throw new ConfigError(`${configPath}: "graphs" must be an object of graph id to description`);
  }
  return {
    authFile: resolve(dirname(configPath), file),
    authExport: hasExport ? auth.path.slice(separator + 1) : "auth",
    graphs: graphs as Record<string, string>,
  };
}
