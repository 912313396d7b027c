/**
 * The authn process: loads the auth module named by gatehouse.json
 * (GATEHOUSE_CONFIG), then serves AuthnService on AUTHN_HOST:AUTHN_PORT.
 * GATEHOUSE_AUTHENTICATE_TIMEOUT_MS (default 2000) bounds the authenticate
 * callback. With METRICS_PORT set it serves /metrics: RPCs, and identity
 * lookups by the tier that answered. GATEHOUSE_TLS_CA/CERT/KEY turn on mutual
 * TLS, answering only the callers named by GATEHOUSE_TLS_ALLOWED_CALLERS
 * (default store).
 */
import { loadAuthModule, loadConfig } from "@gatehouse/auth";
import { createIdentityCache, identityConfigFromEnv, sharedIdentityStoreFromEnv } from "@gatehouse/identity";
import { createLogger, envInt, envString, internalServerSecurityFromEnv, metricsFromEnv, registerCounter, runningGrpcService, runService, serverLimitsFromEnv } from "@gatehouse/server";
import { startAuthnServer } from "./server.js";

const logger = createLogger("authn");

await runService("authn", logger, async () => {
  const security = internalServerSecurityFromEnv(logger);
  const config = await loadConfig(envString("GATEHOUSE_CONFIG", "gatehouse.json"));
  const { authenticate } = await loadAuthModule(config);
  const limits = serverLimitsFromEnv();
  const identity = identityConfigFromEnv(logger);
  const cache = createIdentityCache({
    shared: sharedIdentityStoreFromEnv(logger, identity.secret),
    l1TtlMs: identity.l1TtlMs,
    l1MaxEntries: identity.l1MaxEntries,
    onSharedError: (error) => logger.warn({ err: error, failures: error.failures }, "identity cache unavailable; verifying directly"),
    onSharedRecovered: () => logger.info("identity cache available again"),
  });
  const observed = await metricsFromEnv("authn");
  const lookups =
    observed &&
    registerCounter(
      observed.metrics,
      "gatehouse_identity_lookups_total",
      "Identity lookups by the tier that answered: l1 (in-process), shared (Redis) or verify (a miss of both)",
      ["source"],
    );
  const host = envString("AUTHN_HOST", "127.0.0.1");
  const server = await startAuthnServer(
    {
      authenticate,
      cache,
      identity,
      logger,
      authenticateTimeoutMs: envInt("GATEHOUSE_AUTHENTICATE_TIMEOUT_MS", 2_000, { min: 1 }),
      onIdentity: lookups && ((source) => lookups.inc({ source })),
    },
    { host, port: envInt("AUTHN_PORT", 50052, { max: 65535 }), metrics: observed?.metrics, limits, security },
  );
  logger.info({ mutualTls: security.mutualTls }, "internal transport");
  return runningGrpcService(host, server, observed);
});
