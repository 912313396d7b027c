import { gatehouseConfigSettings } from "@gatehouse/auth";
import { defineConfig, intSetting, portSetting, textSetting } from "@gatehouse/config";
import { identitySettings } from "@gatehouse/identity";
import { keepaliveSettings, metricsSettings, processSettings, rateLimitSettings } from "@gatehouse/server";

/** Every variable the gateway reads, read once in main.ts (README, "Configuration"). */
export const gatewayConfig = defineConfig("gateway", {
  ...gatehouseConfigSettings,
  host: textSetting("GATEWAY_HOST", "where the gateway listens", "127.0.0.1"),
  port: portSetting("GATEWAY_PORT", "the LangGraph HTTP API's port (the SDK's default URL)", 8123),
  storeTarget: textSetting("STORE_TARGET", "the store's address (`ipv4:a:p,b:q` or `dns:///name:port` balances over replicas)", "127.0.0.1:50051"),
  storeTimeoutMs: intSetting("GATEWAY_STORE_TIMEOUT_MS", "the deadline of a request's calls to the store", 10_000, { min: 1 }),
  runTimeoutMs: intSetting("GATEWAY_RUN_TIMEOUT_MS", "the deadline of a call that follows a run (wait, join, stream)", 3_600_000, { min: 1 }),
  maxBodyBytes: intSetting("GATEWAY_MAX_BODY_BYTES", "the largest request body (413 beyond)", 2 * 1024 * 1024, { min: 1024 }),
  maxHeaderBytes: intSetting("GATEWAY_MAX_HEADER_BYTES", "the largest request head (431 beyond)", 16 * 1024, { min: 1024, max: 1024 * 1024 }),
  // The rate limit keys a caller by its credential, named alike on every replica.
  credentialHeaders: identitySettings.credentialHeaders,
  cacheSecret: identitySettings.cacheSecret,
  ...rateLimitSettings,
  ...keepaliveSettings,
  ...metricsSettings,
  ...processSettings,
});

/** The gateway's configuration, typed. */
export type GatewayConfig = ReturnType<typeof gatewayConfig.read>;
