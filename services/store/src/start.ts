import { createClient, type Transport } from "@connectrpc/connect";
import { loadConfig } from "@gatehouse/auth";
import { AuthnService, AuthzService, WorkerService } from "@gatehouse/contracts";
import { createRunEventLogFor } from "@gatehouse/run-events";
import { migrate } from "@gatehouse/schema";
import { createIdentityCache, identityConfigOf, sharedIdentityStoreOf } from "@gatehouse/identity";
import {
  callerRateLimiterOf,
  createGrpcTransport,
  createInProcessTransport,
  createProvenCredentials,
  internalClientCredentials,
  keepaliveOf,
  methodsWithoutSideEffects,
  serverLimitsOf,
  startGrpcServiceServer,
  startMetrics,
  watchDependency,
  type Logger,
  type RunningService,
} from "@gatehouse/server";
import { createAuthentication } from "./authentication.js";
import { createAccessGuard, createStoredUserGuard } from "./authorization.js";
import { createBatchingAuthorizer } from "./authz-batcher.js";
import { createCallerLimit } from "./caller-limit.js";
import type { StoreConfig } from "./config.js";
import { createCronScheduler } from "./cron-scheduler.js";
import { createAssistantRepo } from "./repo/assistant-repo.js";
import { createCronRepo } from "./repo/cron-repo.js";
import { createItemRepo } from "./repo/item-repo.js";
import { createRunRepo } from "./repo/run-repo.js";
import { createThreadRepo } from "./repo/thread-repo.js";
import { routes } from "./routes.js";
import { createStoreMetrics } from "./store-metrics.js";
import { openDatabase } from "./sql/database.js";
import { insertSystemAssistants } from "./sql/system-assistants.js";
import { createWorkerCaller } from "./worker-client.js";

/** What the store needs from the process that runs it. */
export interface StoreStartDeps {
  logger: Logger;
  /**
   * How to reach authn and authz. Unset (the split topology): gRPC channels
   * to AUTHN_TARGET and AUTHZ_TARGET, over mutual TLS when configured. The
   * combined topology passes in-process transports to the same services
   * (README, "Topologies"), the worker's included.
   */
  internal?: { authn: Transport; authz: Transport; worker: Transport };
}

/** A running store: its gRPC port, and the same services for callers in this process. */
export interface RunningStore extends RunningService {
  /**
   * The store's services behind an in-process transport (the combined
   * topology's gateway calls them so): the same routes, rate limits, metrics
   * and authorization as the gRPC port, without a socket, and requests
   * copied rather than encoded (so no message size limit of its own: the
   * gateway's body limit bounds what reaches it).
   */
  inProcess: Transport;
}

/**
 * The store: migrates Postgres and inserts the graphs' system assistants,
 * then serves the resource API on STORE_HOST:STORE_PORT, authenticating
 * through authn (behind the identity cache) and authorizing through authz
 * (batched), with the request limits and per-caller rate limit of its
 * configuration; asks the worker for thread state and graphs, relays run
 * events from the run event log, and fires due crons as their owners.
 */
export async function startStore(config: StoreConfig, { logger, internal }: StoreStartDeps): Promise<RunningStore> {
  const internalCredentials = internal === undefined ? internalClientCredentials(config) : undefined;
  const gatehouse = await loadConfig(config.configPath);
  const rateLimiter = callerRateLimiterOf("store", config, logger);
  const db = openDatabase(config.databaseUrl, config.databasePoolMax, { enabled: config.preparedStatements, max: config.preparedStatementsMax });
  const observed = await startMetrics("store", config);
  const storeMetrics = observed && createStoreMetrics(observed.metrics, db);
  const applied = await migrate(db);
  logger.info({ applied }, "schema up to date");
  const graphIds = Object.keys(gatehouse.graphs);
  await insertSystemAssistants(db, graphIds);
  const events = await createRunEventLogFor({ redisUrl: config.redisUrl, pool: db, listen: config.listen });

  const callTimeoutMs = config.callTimeoutMs;
  const channel = (target: string, service: string) =>
    createGrpcTransport({ target, defaultTimeoutMs: callTimeoutMs, retryableServices: [service], credentials: internalCredentials, keepalive: keepaliveOf(config) });
  // Only the worker's reads are retried: an update or a copy that reached it may have been applied.
  const workerChannel = () =>
    createGrpcTransport({
      target: config.workerTarget,
      defaultTimeoutMs: config.workerCallTimeoutMs,
      retryableMethods: methodsWithoutSideEffects([WorkerService]),
      credentials: internalCredentials,
      keepalive: keepaliveOf(config),
    });
  const channels =
    internal === undefined ? [channel(config.authnTarget, AuthnService.typeName), channel(config.authzTarget, AuthzService.typeName), workerChannel()] : [];
  const authnTransport = internal?.authn ?? channels[0]!;
  const authzTransport = internal?.authz ?? channels[1]!;
  const worker = createWorkerCaller(createClient(WorkerService, internal?.worker ?? channels[2]!), logger, config.workerCallTimeoutMs);
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
  const authz = createBatchingAuthorizer(createClient(AuthzService, authzTransport));
  const guard = createAccessGuard({ authenticate, authz, logger, callTimeoutMs });
  // Firings run as the cron's owner, recorded at CreateCron; only the scheduler may authorize a stored user.
  const scheduler = createCronScheduler({
    db,
    guard: createStoredUserGuard({ authz, logger, callTimeoutMs }),
    logger,
    intervalMs: config.cronPollMs,
  });
  const storeRoutes = routes({
      guard,
      threads: createThreadRepo(db),
      assistants: createAssistantRepo(db),
      runs: createRunRepo(db),
      events,
      items: createItemRepo(db),
      crons: createCronRepo(db),
      graphs: new Set(graphIds),
      worker,
  });
  const limits = serverLimitsOf(config);
  const server = await startGrpcServiceServer(storeRoutes, { host: config.host, port: config.port, logger, metrics: observed?.metrics, limits });
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
  scheduler.start();
  return {
    address: `${config.host}:${server.port}`,
    metricsAddress: observed?.address,
    // Its callers are the gateway and custom routes in this process: requests are copied, not encoded, and the
    // gateway's body limit bounds them; the checks of every JSON field run in the store either way.
    inProcess: createInProcessTransport(storeRoutes, { logger, metrics: observed?.metrics, requests: "copy" }),
    async stop() {
      // The watch must not turn health back on; stop flips it first, so balancers stop sending, then drains.
      databaseWatch.stop();
      await scheduler.stop();
      await server.stop(config.shutdownGraceMs);
      for (const transport of channels) transport.close();
      await cache.close();
      await events.close();
      await rateLimiter?.close();
      await db.end();
      await observed?.close();
    },
  };
}
