/**
 * The gateway process: the LangGraph Platform HTTP API on
 * GATEWAY_HOST:GATEWAY_PORT (default 127.0.0.1:8123, the SDK's default URL),
 * translated to the store at STORE_TARGET (one address, `ipv4:a:p,b:q` or
 * `dns:///name:port` to balance over replicas). The graphs of GATEHOUSE_CONFIG
 * name default assistants.
 */
import { loadConfig } from "@gatehouse/auth";
import { AssistantService, CronService, ItemService, RunService, ThreadService } from "@gatehouse/contracts";
import { createGrpcTransport, createLogger, envInt, envString, methodsWithoutSideEffects, runService } from "@gatehouse/server";
import { startGatewayServer } from "./server.js";
import { createStoreClients } from "./store-clients.js";

const logger = createLogger("gateway");

await runService("gateway", logger, async () => {
  const config = await loadConfig(envString("GATEHOUSE_CONFIG", "gatehouse.json"));
  const timeoutMs = envInt("GATEWAY_STORE_TIMEOUT_MS", 10_000, { min: 1 });
  // Only the reads the contract marks free of side effects are retried on another
  // replica; a write that failed may have happened, so its caller decides.
  const transport = createGrpcTransport({
    target: envString("STORE_TARGET", "127.0.0.1:50051"),
    defaultTimeoutMs: timeoutMs,
    retryableMethods: methodsWithoutSideEffects([ThreadService, AssistantService, RunService, CronService, ItemService]),
  });
  const host = envString("GATEWAY_HOST", "127.0.0.1");
  const server = await startGatewayServer(
    {
      store: createStoreClients(transport),
      graphs: new Set(Object.keys(config.graphs)),
      logger,
      maxBodyBytes: envInt("GATEWAY_MAX_BODY_BYTES", 2 * 1024 * 1024, { min: 1024 }),
      requestTimeoutMs: timeoutMs,
    },
    host,
    envInt("GATEWAY_PORT", 8123, { max: 65535 }),
  );
  return {
    address: `${host}:${server.port}`,
    async stop() {
      await server.stop();
      transport.close();
    },
  };
});
