import { gatehouseConfigSettings } from "@gatehouse/auth";
import { defineConfig, intSetting, portSetting, textSetting } from "@gatehouse/config";
import { internalServerTlsSettings, metricsSettings, processSettings, serverLimitSettings, shutdownSettings } from "@gatehouse/server";

/** Every variable authz reads, read once in main.ts (README, "Configuration"). */
export const authzConfig = defineConfig("authz", {
  ...gatehouseConfigSettings,
  host: textSetting("AUTHZ_HOST", "where authz listens", "127.0.0.1"),
  port: portSetting("AUTHZ_PORT", "authz's port (0 picks a free one)", 50053),
  handlerTimeoutMs: intSetting("GATEHOUSE_HANDLER_TIMEOUT_MS", "how long an authorization handler may take", 2_000, { min: 1 }),
  ...serverLimitSettings,
  ...internalServerTlsSettings,
  ...metricsSettings,
  ...shutdownSettings,
  ...processSettings,
});

/** authz's configuration, typed. */
export type AuthzConfig = ReturnType<typeof authzConfig.read>;
