import type { ServiceImpl } from "@connectrpc/connect";
import { buildHandlerTable, loadAuthModule, loadConfig } from "@gatehouse/auth";
import type { AuthzService } from "@gatehouse/contracts";
import { internalServerSecurity, registerCounter, runningGrpcService, serverLimitsOf, startMetrics, type Logger, type Metrics, type RunningService } from "@gatehouse/server";
import { createAuthzService, type AuthzServiceDeps } from "./authz-service.js";
import type { AuthzConfig } from "./config.js";
import { startAuthzServer } from "./server.js";

/** What authz needs from the process that runs it. */
export interface AuthzStartDeps {
  logger: Logger;
  /** The registry its decisions are counted in, when metrics are kept. */
  metrics?: Metrics;
}

/** authz's service without a port (README, "Topologies"). */
export interface AuthzParts {
  deps: AuthzServiceDeps;
  service: ServiceImpl<typeof AuthzService>;
  /** The names of the events the auth module handles. */
  handlers: string[];
}

/**
 * authz's service from its configuration: the auth module's handler table,
 * precomputed. The split process serves it on gRPC; the combined one hands
 * it to the store behind an in-process transport.
 */
export async function createAuthz(config: AuthzConfig, { logger, metrics }: AuthzStartDeps): Promise<AuthzParts> {
  const { handlers } = await loadAuthModule(await loadConfig(config.configPath));
  const decisions = metrics && registerCounter(metrics, "gatehouse_authz_decisions_total", "Authorization decisions, by event and outcome", ["event", "outcome"]);
  const deps: AuthzServiceDeps = {
    table: buildHandlerTable(handlers),
    handlerTimeoutMs: config.handlerTimeoutMs,
    logger,
    onDecision: decisions && ((event, outcome) => decisions.inc({ event, outcome })),
  };
  return { deps, service: createAuthzService(deps), handlers: [...handlers.keys()] };
}

/** The split authz: its service on AUTHZ_HOST:AUTHZ_PORT, with mutual TLS and /metrics when configured. */
export async function startAuthz(config: AuthzConfig, { logger }: { logger: Logger }): Promise<RunningService> {
  const security = internalServerSecurity(config, logger);
  const observed = await startMetrics("authz", config);
  const { deps, handlers } = await createAuthz(config, { logger, metrics: observed?.metrics });
  const server = await startAuthzServer(deps, { host: config.host, port: config.port, metrics: observed?.metrics, limits: serverLimitsOf(config), security });
  logger.info({ handlers, mutualTls: security.mutualTls }, "handlers loaded");
  return runningGrpcService(config.host, server, observed, config.shutdownGraceMs);
}
