/**
 * The authz process: loads the auth module named by gatehouse.json
 * (GATEHOUSE_CONFIG), precomputes its handler table, then serves
 * AuthzService on AUTHZ_HOST:AUTHZ_PORT. Every variable it reads is declared
 * in config.ts (README, "Configuration").
 */
import { createLogger, readConfigOrExit, runService } from "@gatehouse/server";
import { authzConfig } from "./config.js";
import { startAuthz } from "./start.js";

const config = readConfigOrExit(authzConfig);
const logger = createLogger("authz", config.logLevel);

await runService("authz", logger, () => startAuthz(config, { logger }), config);
