import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { configurationTable, withConfigurationTable, type ConfigTable, type Settings } from "@gatehouse/config";
import { launcherConfig } from "@gatehouse/launcher";
import { combinedConfig, combinedTables } from "../../combined/src/config.js";
import { devConfig } from "./config.js";

/** Every service's config table, in the order the README lists who reads a variable. */
export const serviceConfigTables: readonly ConfigTable<Settings>[] = [
  combinedTables.store,
  combinedTables.gateway,
  combinedTables.authn,
  combinedTables.authz,
  combinedTables.worker,
  combinedConfig,
  devConfig,
  launcherConfig,
];

/** The README path the table is written into. */
export const readmePath = resolve(import.meta.dirname, "../../../README.md");

/** The README as it should read: its Configuration table written from the declarations. */
export function readmeWithConfigurationTable(readme: string = readFileSync(readmePath, "utf8")): string {
  return withConfigurationTable(readme, configurationTable(serviceConfigTables));
}

/** `npm run config:docs`: rewrites the README's Configuration table; with `--check`, fails when it is stale instead. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const readme = readFileSync(readmePath, "utf8");
  const wanted = readmeWithConfigurationTable(readme);
  if (process.argv.includes("--check")) {
    if (wanted !== readme) {
      process.stderr.write("README.md's Configuration table is stale: run `npm run config:docs`\n");
      process.exit(1);
    }
  } else if (wanted !== readme) {
    writeFileSync(readmePath, wanted);
  }
}
