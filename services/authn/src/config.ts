import { gatehouseConfigSettings } from "@gatehouse/auth";
import { defineConfig, intSetting, portSetting, textSetting } from "@gatehouse/config";
import { identitySettings } from "@gatehouse/identity";
import { internalServerTlsSettings, metricsSettings, processSettings, serverLimitSettings, shutdownSettings } from "@gatehouse/server";

/** Every variable authn reads, read once in main.ts (README, "Configuration"). */
export const authnConfig = defineConfig("authn", {
  ...gatehouseConfigSettings,
  host: textSetting("AUTHN_HOST", "where authn listens", "127.0.0.1"),
  port: portSetting("AUTHN_PORT", "authn's port (0 picks a free one)", 50052),
  authenticateTimeoutMs: intSetting("GATEHOUSE_AUTHENTICATE_TIMEOUT_MS", "how long the authenticate callback may take", 2_000, { min: 1 }),
  ...identitySettings,
  ...serverLimitSettings,
  ...internalServerTlsSettings,
  ...metricsSettings,
  ...shutdownSettings,
  ...processSettings,
});

/** authn's configuration, typed. */
export type AuthnConfig = ReturnType<typeof authnConfig.read>;
