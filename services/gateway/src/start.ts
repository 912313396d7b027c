import type { Transport } from "@connectrpc/connect";
import { loadConfig } from "@gatehouse/auth";
import { AssistantService, CallerService, CronService, ItemService, RunService, ThreadService } from "@gatehouse/contracts";
import { callerRateLimiterOf, createGrpcTransport, createProvenCredentials, keepaliveOf, methodsWithoutSideEffects, startMetrics, type Logger, type RunningService } from "@gatehouse/server";
import { createCallerLimit } from "./caller-limit.js";
import type { GatewayConfig } from "./config.js";
import { createCustomRoutes } from "./custom-routes.js";
import { createGatewayMetrics } from "./gateway-metrics.js";
import { loadCustomApp } from "./load-custom-app.js";
import { startGatewayServer } from "./server.js";
import { createStoreClients } from "./store-clients.js";

/** What the gateway needs from the process that runs it. */
export interface GatewayStartDeps {
  logger: Logger;
  /**
   * The store's services in this process (the combined topology). Unset, a
   * gRPC channel to STORE_TARGET, whose reads are retried on another replica.
   */
  storeTransport?: Transport;
}

/**
 * The gateway: the LangGraph Platform HTTP API on GATEWAY_HOST:GATEWAY_PORT,
 * translated to the store at STORE_TARGET, with the body and header limits
 * (413, 431) and per-caller rate limit (429) of its configuration, and the
 * custom routes of gatehouse.json's `http.app` beside it, each request
 * authenticated first (README "Custom routes").
 */
export async function startGateway(config: GatewayConfig, { logger, storeTransport }: GatewayStartDeps): Promise<RunningService> {
  const gatehouse = await loadConfig(config.configPath);
  for (const { key, why } of gatehouse.http.ignored) logger.warn({ key: `http.${key}` }, `gatehouse.json sets http.${key}, which is ignored: ${why}`);
  // Loaded before listening: an app that does not load stops start-up instead of leaving its routes 404.
  const customApp = gatehouse.http.app && (await loadCustomApp(gatehouse.http.app));
  const rateLimiter = callerRateLimiterOf("gateway", config, logger);
  const observed = await startMetrics("gateway", config);
  // Only the reads the contract marks free of side effects are retried on another
  // replica; a write that failed may have happened, so its caller decides.
  const channel =
    storeTransport === undefined
      ? createGrpcTransport({
          target: config.storeTarget,
          defaultTimeoutMs: config.storeTimeoutMs,
          retryableMethods: methodsWithoutSideEffects([ThreadService, AssistantService, RunService, CronService, ItemService, CallerService]),
          keepalive: keepaliveOf(config),
        })
      : undefined;
  const transport = storeTransport ?? channel!;
  const store = createStoreClients(transport);
  const server = await startGatewayServer(
    {
      store,
      graphs: new Set(Object.keys(gatehouse.graphs)),
      logger,
      maxBodyBytes: config.maxBodyBytes,
      requestTimeoutMs: config.storeTimeoutMs,
      runTimeoutMs: config.runTimeoutMs,
      limitCaller:
        rateLimiter &&
        createCallerLimit(
          rateLimiter,
          config.credentialHeaders,
          createProvenCredentials(),
          // Shared limits need every replica to name a credential alike; otherwise a key of this process is as good.
          config.cacheSecret === undefined ? undefined : Buffer.from(config.cacheSecret, "utf8"),
        ),
      metrics: observed && createGatewayMetrics(observed.metrics),
      customRoutes: customApp && createCustomRoutes({ app: customApp, caller: store.caller, maxBodyBytes: config.maxBodyBytes, logger }),
    },
    config.host,
    config.port,
    config.maxHeaderBytes,
  );
  return {
    address: `${config.host}:${server.port}`,
    metricsAddress: observed?.address,
    async stop() {
      await server.stop();
      channel?.close();
      await rateLimiter?.close();
      await observed?.close();
    },
  };
}
