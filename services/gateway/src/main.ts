/**
 * The gateway process: the LangGraph Platform HTTP API on
 * GATEWAY_HOST:GATEWAY_PORT (default 127.0.0.1:8123, the SDK's default URL),
 * translated to the store at STORE_TARGET (one address, `ipv4:a:p,b:q` or
 * `dns:///name:port` to balance over replicas). Every variable it reads is
 * declared in config.ts (README, "Configuration").
 */
import { createLogger, readConfigOrExit, runService } from "@gatehouse/server";
import { gatewayConfig } from "./config.js";
import { startGateway } from "./start.js";

const config = readConfigOrExit(gatewayConfig);
const logger = createLogger("gateway", config.logLevel);

await runService("gateway", logger, () => startGateway(config, { logger }), config);
