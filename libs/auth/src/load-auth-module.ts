import { pathToFileURL } from "node:url";
import { toAuthDefinition, type AuthDefinition } from "./auth-definition.js";
import { ConfigError } from "./config-error.js";
import type { GatehouseConfig } from "./load-config.js";

/**
 * Imports the configured auth module once and reads its callbacks. A module
 * that fails to import, lacks the export, or exports something that is not
 * an Auth stops the service with a ConfigError naming the file, the export
 * and the problem, instead of starting half-working.
 */
export async function loadAuthModule(config: Pick<GatehouseConfig, "authFile" | "authExport">): Promise<AuthDefinition> {
  const where = `${config.authFile} (export "${config.authExport}")`;
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(config.authFile).href)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`cannot load the auth module ${where}: ${(error as Error).message}`);
  }
  if (!(config.authExport in module)) {
    const exports = Object.keys(module).join(", ") || "none";
    throw new ConfigError(`the auth module ${config.authFile} has no export "${config.authExport}" (exports: ${exports})`);
  }
  try {
    return toAuthDefinition(module[config.authExport]);
  } catch (error) {
    throw new ConfigError(`the auth module ${where} is invalid: ${(error as Error).message}`);
  }
}
