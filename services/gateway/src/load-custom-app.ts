import { pathToFileURL } from "node:url";
import { ConfigError, type ModuleExport } from "@gatehouse/auth";

/**
 * What the gateway serves custom routes with: anything with a Fetch-style
 * `fetch`, as a Hono app has (README "Custom routes"). `env` is the
 * CustomRouteEnv of the authenticated caller.
 */
export interface CustomApp {
  fetch(request: Request, env?: unknown): Response | Promise<Response>;
}

/**
 * Imports `http.app` once at start-up. A module that fails to import, lacks
 * the export, or exports something without a `fetch` method stops the
 * gateway with a ConfigError naming the file, the export and the problem,
 * instead of starting without the routes the operator configured.
 */
export async function loadCustomApp({ file, exportName }: ModuleExport): Promise<CustomApp> {
  const where = `${file} (export "${exportName}")`;
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`cannot load the custom routes' app ${where}: ${(error as Error).message}`);
  }
  if (!(exportName in module)) {
    const exports = Object.keys(module).join(", ") || "none";
    throw new ConfigError(`the custom routes' module ${file} has no export "${exportName}" (exports: ${exports})`);
  }
  const app = module[exportName];
  if (typeof (app as Partial<CustomApp> | null)?.fetch !== "function") {
    throw new ConfigError(`the custom routes' app ${where} has no fetch(request, env) method; export a Hono app or another object with one`);
  }
  return app as CustomApp;
}
