/**
 * The authn process: loads the auth module named by gatehouse.json
 * (GATEHOUSE_CONFIG), then serves AuthnService on AUTHN_HOST:AUTHN_PORT.
 * Every variable it reads is declared in config.ts (README, "Configuration").
 */
import { createLogger, readConfigOrExit, runService } from "@gatehouse/server";
import { authnConfig } from "./config.js";
import { startAuthn } from "./start.js";

const config = readConfigOrExit(authnConfig);
const logger = createLogger("authn", config.logLevel);

await runService("authn", logger, () => startAuthn(config, { logger }), config);
