/**
 * The authz process: loads the auth module named by gatehouse.json
 * (GATEHOUSE_CONFIG), precomputes its handler table, then serves
 * AuthzService on AUTHZ_HOST:AUTHZ_PORT. GATEHOUSE_TLS_CA/CERT/KEY turn on
 * mutual TLS, answering only the callers named by
 * GATEHOUSE_TLS_ALLOWED_CALLERS (default store).
 */
import { buildHandlerTable, loadAuthModule, loadConfig } from "@gatehouse/auth";
import { createLogger, envInt, envString, internalServerSecurityFromEnv, metricsFromEnv, registerCounter, runningGrpcService, runService, serverLimitsFromEnv } from "@gatehouse/server";
import { startAuthzServer } from "./server.js";

const logger = createLogger("authz");

await runService("authz", logger, async () => {
  const security = internalServerSecurityFromEnv(logger);
  const config = await loadConfig(envString("GATEHOUSE_CONFIG", "gatehouse.json"));
  const { handlers } = await loadAuthModule(config);
  const table = buildHandlerTable(handlers);
  const limits = serverLimitsFromEnv();
  const host = envString("AUTHZ_HOST", "127.0.0.1");
  const handlerTimeoutMs = envInt("GATEHOUSE_HANDLER_TIMEOUT_MS", 2_000, { min: 1 });
  const observed = await metricsFromEnv("authz");
  const decisions =
    observed && registerCounter(observed.metrics, "gatehouse_authz_decisions_total", "Authorization decisions, by event and outcome", ["event", "outcome"]);
  const server = await startAuthzServer(
    { table, handlerTimeoutMs, logger, onDecision: decisions && ((event, outcome) => decisions.inc({ event, outcome })) },
    { host, port: envInt("AUTHZ_PORT", 50053, { max: 65535 }), metrics: observed?.metrics, limits, security },
  );
  logger.info({ handlers: [...handlers.keys()], mutualTls: security.mutualTls }, "handlers loaded");
  return runningGrpcService(host, server, observed);
});
