import { AuthnService } from "@gatehouse/contracts";
import { loadAuthModule, loadConfig } from "@gatehouse/auth";
import { createIdentityCache, identityConfigOf, sharedIdentityStoreOf } from "@gatehouse/identity";
import {
  internalServerSecurity,
  registerCounter,
  runningGrpcService,
  serverLimitsOf,
  startMetrics,
  type Logger,
  type Metrics,
  type RunningService,
} from "@gatehouse/server";
import type { ServiceImpl } from "@connectrpc/connect";
import { createAuthnService, type AuthnServiceDeps } from "./authn-service.js";
import type { AuthnConfig } from "./config.js";
import { startAuthnServer } from "./server.js";

/** What authn needs from the process that runs it. */
export interface AuthnStartDeps {
  logger: Logger;
  /** The registry its identity lookups are counted in, when metrics are kept. */
  metrics?: Metrics;
}

/** authn's service without a port, and how to release what it holds (README, "Topologies"). */
export interface AuthnParts {
  deps: AuthnServiceDeps;
  service: ServiceImpl<typeof AuthnService>;
  /** Connects the identity cache (or gives up waiting). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * authn's service from its configuration: the auth module's authenticate
 * callback behind the identity cache. The split process serves it on gRPC;
 * the combined one hands it to the store behind an in-process transport.
 */
export async function createAuthn(config: AuthnConfig, { logger, metrics }: AuthnStartDeps): Promise<AuthnParts> {
  const { authenticate } = await loadAuthModule(await loadConfig(config.configPath));
  const identity = identityConfigOf(config, logger);
  const cache = createIdentityCache({
    shared: sharedIdentityStoreOf(config, logger, identity.secret),
    l1TtlMs: identity.l1TtlMs,
    l1MaxEntries: identity.l1MaxEntries,
    onSharedError: (error) => logger.warn({ err: error, failures: error.failures }, "identity cache unavailable; verifying directly"),
    onSharedRecovered: () => logger.info("identity cache available again"),
  });
  const lookups =
    metrics &&
    registerCounter(
      metrics,
      "gatehouse_identity_lookups_total",
      "Identity lookups by the tier that answered: l1 (in-process), shared (Redis) or verify (a miss of both)",
      ["source"],
    );
  const deps: AuthnServiceDeps = {
    authenticate,
    cache,
    identity,
    logger,
    authenticateTimeoutMs: config.authenticateTimeoutMs,
    onIdentity: lookups && ((source) => lookups.inc({ source })),
  };
  return { deps, service: createAuthnService(deps), start: () => cache.start(), close: () => cache.close() };
}

/** The split authn: its service on AUTHN_HOST:AUTHN_PORT, with mutual TLS and /metrics when configured. */
export async function startAuthn(config: AuthnConfig, { logger }: { logger: Logger }): Promise<RunningService> {
  const security = internalServerSecurity(config, logger);
  const observed = await startMetrics("authn", config);
  const { deps } = await createAuthn(config, { logger, metrics: observed?.metrics });
  const server = await startAuthnServer(deps, { host: config.host, port: config.port, metrics: observed?.metrics, limits: serverLimitsOf(config), security });
  logger.info({ mutualTls: security.mutualTls }, "internal transport");
  return runningGrpcService(config.host, server, observed, config.shutdownGraceMs);
}
