/**
 * The authn process: loads the auth module named by gatehouse.json
 * (GATEHOUSE_CONFIG), then serves AuthnService on AUTHN_HOST:AUTHN_PORT.
 */
import { loadAuthModule, loadConfig } from "@gatehouse/auth";
import { createIdentityCache, identityConfigFromEnv, sharedIdentityStoreFromEnv } from "@gatehouse/identity";
import { createLogger, envInt, envString, runService } from "@gatehouse/server";
import { startAuthnServer } from "./server.js";

const logger = createLogger("authn");

await runService("authn", logger, async () => {
  const config = await loadConfig(envString("GATEHOUSE_CONFIG", "gatehouse.json"));
  const { authenticate } = await loadAuthModule(config);
  const identity = identityConfigFromEnv(logger);
  const cache = createIdentityCache({
    shared: sharedIdentityStoreFromEnv(logger),
    l1TtlMs: identity.l1TtlMs,
    l1MaxEntries: identity.l1MaxEntries,
    onSharedError: (error) => logger.warn({ err: error }, "identity cache unavailable; verifying directly"),
  });
  const host = envString("AUTHN_HOST", "127.0.0.1");
  const server = await startAuthnServer({ authenticate, cache, identity, logger }, host, envInt("AUTHN_PORT", 50052, { max: 65535 }));
  return { address: `${host}:${server.port}`, stop: server.stop };
});
