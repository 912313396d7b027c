/**
 * The gateway process: the LangGraph Platform HTTP API on
 * GATEWAY_HOST:GATEWAY_PORT (default 127.0.0.1:8123, the SDK's default URL),
 * translated to the store at STORE_TARGET. The graphs of GATEHOUSE_CONFIG
 * name default assistants.
 */
import { loadConfig } from "@gatehouse/auth";
import { createGrpcTransport, createLogger, envInt, envString, runService } from "@gatehouse/server";
import { startGatewayServer } from "./server.js";
import { createStoreClients } from "./store-clients.js";

const logger = createLogger("gateway");

await runService("gateway", logger, async () => {
  const config = await loadConfig(envString("GATEHOUSE_CONFIG", "gatehouse.json"));
  // Store RPCs create and change rows, so none is retried here; the caller decides.
  const transport = createGrpcTransport({
    target: envString("STORE_TARGET", "127.0.0.1:50051"),
    defaultTimeoutMs: envInt("GATEWAY_STORE_TIMEOUT_MS", 10_000, { min: 1 }),
  });
  const host = envString("GATEWAY_HOST", "127.0.0.1");
  const server = await startGatewayServer(
    {
      store: createStoreClients(transport),
      graphs: new Set(Object.keys(config.graphs)),
      logger,
      maxBodyBytes: envInt("GATEWAY_MAX_BODY_BYTES", 2 * 1024 * 1024, { min: 1024 }),
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
