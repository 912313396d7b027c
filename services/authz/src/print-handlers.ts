/**
 * `npm run handlers [-- path/to/gatehouse.json]`: loads the configured auth
 * module and prints, for every resource:action, which handler runs (README "Your auth module").
 * Exits 1 with the problem when the module cannot be loaded.
 */
import { buildHandlerTable, formatResolutionTable, loadAuthModule, loadConfig } from "@gatehouse/auth";

const configPath = process.argv[2] ?? process.env.GATEHOUSE_CONFIG ?? "gatehouse.json";
try {
  const config = await loadConfig(configPath);
  const { handlers } = await loadAuthModule(config);
  process.stdout.write(`${config.authFile} (export "${config.authExport}")\n\n`);
  process.stdout.write(`${formatResolutionTable(buildHandlerTable(handlers))}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
