/**
 * The gateway process: the LangGraph Platform HTTP API on
 * GATEWAY_HOST:GATEWAY_PORT (default 127.0.0.1:8123, the SDK's default URL),
 * translated to the store at STORE_TARGET (one address, `ipv4:a:p,b:q` or
 * `dns:///name:port` to balance over replicas). The graphs of GATEHOUSE_CONFIG
 * name default assistants. GATEWAY_MAX_BODY_BYTES and GATEWAY_MAX_HEADER_BYTES
 * bound a request (413, 431), GATEHOUSE_RATE_LIMIT_* each caller's rate (429);
 * with METRICS_PORT set it serves /metrics.
 */
import { loadConfig } from "@gatehouse/auth";
import { AssistantService, CronService, ItemService, RunService, ThreadService } from "@gatehouse/contracts";
import { defaultCredentialHeaders } from "@gatehouse/identity";
import {
  callerRateLimiterFromEnv,
  createGrpcTransport,
  createLogger,
  createProvenCredentials,
  envInt,
  envList,
  envOptional,
  envString,
  methodsWithoutSideEffects,
  metricsFromEnv,
  runService,
} from "@gatehouse/server";
import { createCallerLimit } from "./caller-limit.js";
import { createGatewayMetrics } from "./gateway-metrics.js";
import { startGatewayServer } from "./server.js";
import { createStoreClients } from "./store-clients.js";

const logger = createLogger("gateway");

await runService("gateway", logger, async () => {
  const config = await loadConfig(envString("GATEHOUSE_CONFIG", "gatehouse.json"));
  const rateLimiter = callerRateLimiterFromEnv("gateway", logger);
  // Shared limits need every replica to name a credential alike; otherwise a key of this process is as good.
  const cacheSecret = envOptional("GATEHOUSE_CACHE_SECRET");
  const maxHeaderBytes = envInt("GATEWAY_MAX_HEADER_BYTES", 16 * 1024, { min: 1024, max: 1024 * 1024 });
  const observed = await metricsFromEnv("gateway");
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
      runTimeoutMs: envInt("GATEWAY_RUN_TIMEOUT_MS", 3_600_000, { min: 1 }),
      limitCaller:
        rateLimiter &&
        createCallerLimit(
          rateLimiter,
          envList("GATEHOUSE_CREDENTIAL_HEADERS", defaultCredentialHeaders),
          createProvenCredentials(),
          cacheSecret === undefined ? undefined : Buffer.from(cacheSecret, "utf8"),
        ),
      metrics: observed && createGatewayMetrics(observed.metrics),
    },
    host,
    envInt("GATEWAY_PORT", 8123, { max: 65535 }),
    maxHeaderBytes,
  );
  return {
    address: `${host}:${server.port}`,
    metricsAddress: observed?.address,
    async stop() {
      await server.stop();
      transport.close();
      await rateLimiter?.close();
      await observed?.close();
    },
  };
});
