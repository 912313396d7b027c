/**
 * The combined process: authn, authz, the store, the worker and the gateway
 * in one Node process (README, "Topologies"). Only the store's gRPC port and
 * the gateway's HTTP port listen. It reads each service's own variables
 * (README, "Configuration"); GATEHOUSE_COMBINED_GATEWAY=false or
 * GATEHOUSE_COMBINED_WORKER=false leave those out.
 */
import { createLogger, readConfigOrExit, runService } from "@gatehouse/server";
import { combinedConfig, readCombinedConfig } from "./config.js";
import { startCombined } from "./start.js";

const { logLevel, sourceMaps, stopWithLauncher, withGateway, withWorker } = readConfigOrExit(combinedConfig);
const config = readConfigOrExit({ read: readCombinedConfig });
const logger = createLogger("combined", logLevel);

await runService(
  "combined",
  logger,
  async () => {
    const gatehouse = await startCombined(config, { gateway: withGateway, worker: withWorker });
    // Launchers wait for the line of each service they use.
    process.stdout.write(`gatehouse store listening on ${gatehouse.store}\n`);
    if (gatehouse.gateway !== undefined) process.stdout.write(`gatehouse gateway listening on ${gatehouse.gateway}\n`);
    return { address: gatehouse.store, metricsAddress: gatehouse.metricsAddress, stop: () => gatehouse.stop() };
  },
  { sourceMaps, stopWithLauncher },
);
