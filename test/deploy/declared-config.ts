import { combinedTables } from "../../services/combined/src/config.js";

/**
 * The environment variables a service declares in its config.ts (README,
 * "Configuration"): what the deployment files may set for it.
 */
export function declaredVariables(service: string): ReadonlySet<string> {
  const table = (combinedTables as Record<string, { envNames(): string[] } | undefined>)[service];
  if (table === undefined) throw new Error(`${service} has no config.ts declaration`);
  return new Set(table.envNames());
}

/** Whether a service's own port serves mutual TLS: it declares the internal server's TLS settings, caller allow-list included. */
export function listensWithMutualTls(service: string): boolean {
  return declaredVariables(service).has("GATEHOUSE_TLS_ALLOWED_CALLERS");
}
