/**
 * The authz process: loads the auth module named by gatehouse.json
 * (GATEHOUSE_CONFIG), precomputes its handler table, then serves
 * AuthzService on AUTHZ_HOST:AUTHZ_PORT.
 */
import { buildHandlerTable, loadAuthModule, loadConfig } from "@gatehouse/auth";
import { createLogger, envInt, envString, runService } from "@gatehouse/server";
import { startAuthzServer } from "./server.js";

const logger = createLogger("authz");

await runService("authz", logger, async () => {
  const config = await loadConfig(envString("GATEHOUSE_CONFIG", "gatehouse.json"));
  const { handlers } = await loadAuthModule(config);
  const table = buildHandlerTable(handlers);
  const host = envString("AUTHZ_HOST", "127.0.0.1");
  const handlerTimeoutMs = envInt("GATEHOUSE_HANDLER_TIMEOUT_MS", 2_000, { min: 1 });
  const server = await startAuthzServer({ table, handlerTimeoutMs, logger }, host, envInt("AUTHZ_PORT", 50053, { max: 65535 }));
  logger.info({ handlers: [...handlers.keys()] }, "handlers loaded");
  const graceMs = envInt("GATEHOUSE_SHUTDOWN_GRACE_MS", 10_000, { min: 0 });
  return { address: `${host}:${server.port}`, stop: () => server.stop(graceMs) };
});
