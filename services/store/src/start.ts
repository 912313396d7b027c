import { createClient, type Transport } from "@connectrpc/connect";
import { loadConfig } from "@gatehouse/auth";
import { AuthnService, AuthzService } from "@gatehouse/contracts";
import { createIdentityCache, identityConfigOf, sharedIdentityStoreOf } from "@gatehouse/identity";
import {
  callerRateLimiterOf,
  createGrpcTransport,
  createProvenCredentials,
  internalClientCredentials,
  keepaliveOf,
  serverLimitsOf,
  startMetrics,
  watchDependency,
  type Logger,
  type RunningService,
} from "@gatehouse/server";
import { createAuthentication } from "./authentication.js";
import { createAccessGuard } from "./authorization.js";
import { createBatchingAuthorizer } from "./authz-batcher.js";
import { createCallerLimit } from "./caller-limit.js";
import type { StoreConfig } from "./config.js";
import { createAssistantRepo } from "./repo/assistant-repo.js";
import { createCronRepo } from "./repo/cron-repo.js";
import { createItemRepo } from "./repo/item-repo.js";
import { createRunRepo } from "./repo/run-repo.js";
import { createThreadRepo } from "./repo/thread-repo.js";
import { startStoreServer } from "./server.js";
import { createStoreMetrics } from "./store-metrics.js";
import { openDatabase } from "./sql/database.js";
import { migrate } from "./sql/migrate.js";

/** What the store needs from the process that runs it. */
export interface StoreStartDeps {
  logger: Logger;
  /**
   * How to reach authn and authz. Unset (the split topology): gRPC channels
   * to AUTHN_TARGET and AUTHZ_TARGET, over mutual TLS when configured. The
   * combined topology passes in-process transports to the same services
   * (README, "Topologies").
   */
  internal?: { authn: Transport; authz: Transport };
}

/**
 * The store: migrates Postgres, then serves the resource API on
 * STORE_HOST:STORE_PORT, authenticating through authn (behind the identity
 * cache) and authorizing through authz (batched), with the request limits
 * and per-caller rate limit of its configuration.
 */
export async function startStore(config: StoreConfig, { logger, internal }: StoreStartDeps): Promise<RunningService> {
  const internalCredentials = internal === undefined ? internalClientCredentials(config) : undefined;
  const gatehouse = await loadConfig(config.configPath);
  const rateLimiter = callerRateLimiterOf("store", config, logger);
  const db = openDatabase(config.databaseUrl, config.databasePoolMax, { enabled: config.preparedStatements, max: config.preparedStatementsMax });
  const observed = await startMetrics("store", config);
  const storeMetrics = observed && createStoreMetrics(observed.metrics, db);
  const applied = await migrate(db);
  logger.info({ applied }, "schema up to date");

  const callTimeoutMs = config.callTimeoutMs;
  const channel = (target: string, service: string) =>
    createGrpcTransport({ target, defaultTimeoutMs: callTimeoutMs, retryableServices: [service], credentials: internalCredentials, keepalive: keepaliveOf(config) });
  const channels = internal === undefined ? [channel(config.authnTarget, AuthnService.typeName), channel(config.authzTarget, AuthzService.typeName)] : [];
  const authnTransport = internal?.authn ?? channels[0]!;
  const authzTransport = internal?.authz ?? channels[1]!;
  const identity = identityConfigOf(config, logger);
  const cache = createIdentityCache({
    shared: sharedIdentityStoreOf(config, logger, identity.secret),
    l1TtlMs: identity.l1TtlMs,
    l1MaxEntries: identity.l1MaxEntries,
    onSharedError: (error) => logger.warn({ err: error }, "identity cache unavailable; asking authn"),
  });
  await cache.start();
  const authenticate = createAuthentication({
    identity,
    cache,
    authn: createClient(AuthnService, authnTransport),
    logger,
    callTimeoutMs,
    limitCaller: rateLimiter && createCallerLimit(rateLimiter, identity.credentialHeaders, createProvenCredentials()),
    onIdentity: storeMetrics && ((source) => storeMetrics.identityLookups.inc({ source })),
  });
  const guard = createAccessGuard({
    authenticate,
    authz: createBatchingAuthorizer(createClient(AuthzService, authzTransport)),
    logger,
    callTimeoutMs,
  });
  const server = await startStoreServer(
    {
      guard,
      threads: createThreadRepo(db),
      assistants: createAssistantRepo(db),
      runs: createRunRepo(db),
      items: createItemRepo(db),
      crons: createCronRepo(db),
      graphs: new Set(Object.keys(gatehouse.graphs)),
    },
    { host: config.host, port: config.port, logger, metrics: observed?.metrics, limits: serverLimitsOf(config) },
  );
  // Serving while Postgres answers; NOT_SERVING (and UNAVAILABLE on calls) while it does not.
  const databaseWatch = watchDependency({
    name: "postgres",
    probe: async () => {
      await db.query("SELECT 1");
    },
    intervalMs: config.healthIntervalMs,
    logger,
    onChange: (up) => server.health.setServing(up),
  });
  return {
    address: `${config.host}:${server.port}`,
    metricsAddress: observed?.address,
    async stop() {
      // The watch must not turn health back on; stop flips it first, so balancers stop sending, then drains.
      databaseWatch.stop();
      await server.stop(config.shutdownGraceMs);
      for (const transport of channels) transport.close();
      await cache.close();
      await rateLimiter?.close();
      await db.end();
      await observed?.close();
    },
  };
}
