/**
 * The store process: migrates Postgres (DATABASE_URL), connects to authn
 * (AUTHN_TARGET) and authz (AUTHZ_TARGET), then serves the resource API on
 * STORE_HOST:STORE_PORT, with the request limits of GATEHOUSE_MAX_* and the
 * per-caller rate limit of GATEHOUSE_RATE_LIMIT_*. DATABASE_PREPARED_STATEMENTS
 * (default true) and DATABASE_PREPARED_STATEMENTS_MAX (default 500) bound the
 * statements each Postgres connection keeps prepared. Every replica runs the
 * cron scheduler, looking for due crons every GATEHOUSE_CRON_POLL_MS
 * (default 1000); each due time fires once across replicas.
 * It asks the worker (WORKER_TARGET) for thread state and graph structure,
 * each call within WORKER_CALL_TIMEOUT_MS (default 10000).
 * With GATEHOUSE_TLS_CA/CERT/KEY it calls authn, authz and the worker over
 * mutual TLS with its own certificate; its own port stays plaintext for clients.
 * At start-up it inserts each gatehouse.json graph's system assistant. Run
 * events are read from Redis Streams on REDIS_URL when it is set, else from
 * the Postgres run event log on DATABASE_URL (LISTEN unless WORKER_LISTEN=0,
 * as on the embedded database); the workers must be given the same REDIS_URL.
 */
import { createClient } from "@connectrpc/connect";
import { loadConfig } from "@gatehouse/auth";
import { AuthnService, AuthzService, WorkerService } from "@gatehouse/contracts";
import { createRunEventLogFor } from "@gatehouse/run-events";
import { createIdentityCache, identityConfigFromEnv, sharedIdentityStoreFromEnv } from "@gatehouse/identity";
import {
  callerRateLimiterFromEnv,
  createGrpcTransport,
  createLogger,
  createProvenCredentials,
  envInt,
  envOptional,
  envString,
  internalChannelCredentialsFromEnv,
  methodsWithoutSideEffects,
  metricsFromEnv,
  runService,
  serverLimitsFromEnv,
  shutdownGraceFromEnv,
  watchDependency,
} from "@gatehouse/server";
import { createAuthentication } from "./authentication.js";
import { createAccessGuard, createStoredUserGuard } from "./authorization.js";
import { createBatchingAuthorizer } from "./authz-batcher.js";
import { createCallerLimit } from "./caller-limit.js";
import { createCronScheduler } from "./cron-scheduler.js";
import { createAssistantRepo } from "./repo/assistant-repo.js";
import { createCronRepo } from "./repo/cron-repo.js";
import { createItemRepo } from "./repo/item-repo.js";
import { createRunRepo } from "./repo/run-repo.js";
import { createThreadRepo } from "./repo/thread-repo.js";
import { startStoreServer } from "./server.js";
import { createStoreMetrics } from "./store-metrics.js";
import { createWorkerCaller } from "./worker-client.js";
import { openDatabase, preparedStatementsFromEnv } from "./sql/database.js";
import { migrate } from "@gatehouse/schema";
import { insertSystemAssistants } from "./sql/system-assistants.js";

const logger = createLogger("store");

await runService("store", logger, async () => {
  const internalCredentials = internalChannelCredentialsFromEnv();
  const config = await loadConfig(envString("GATEHOUSE_CONFIG", "gatehouse.json"));
  const limits = serverLimitsFromEnv();
  const rateLimiter = callerRateLimiterFromEnv("store", logger);
  const db = openDatabase(envString("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"), envInt("DATABASE_POOL_MAX", 10, { min: 1 }), preparedStatementsFromEnv());
  const observed = await metricsFromEnv("store");
  const storeMetrics = observed && createStoreMetrics(observed.metrics, db);
  const applied = await migrate(db);
  logger.info({ applied }, "schema up to date");
  const graphIds = Object.keys(config.graphs);
  await insertSystemAssistants(db, graphIds);
  const events = await createRunEventLogFor({
    redisUrl: envOptional("REDIS_URL"),
    pool: db,
    listen: envInt("WORKER_LISTEN", 1, { min: 0, max: 1 }) === 1,
  });

  const callTimeoutMs = envInt("GATEHOUSE_CALL_TIMEOUT_MS", 2_000, { min: 1 });
  const authnTransport = createGrpcTransport({
    target: envString("AUTHN_TARGET", "127.0.0.1:50052"),
    defaultTimeoutMs: callTimeoutMs,
    retryableServices: [AuthnService.typeName],
    credentials: internalCredentials,
  });
  const authzTransport = createGrpcTransport({
    target: envString("AUTHZ_TARGET", "127.0.0.1:50053"),
    defaultTimeoutMs: callTimeoutMs,
    retryableServices: [AuthzService.typeName],
    credentials: internalCredentials,
  });
  // Only the worker's reads are retried: an update or a copy that reached it may have been applied.
  const workerTransport = createGrpcTransport({
    target: envString("WORKER_TARGET", "127.0.0.1:50054"),
    defaultTimeoutMs: envInt("WORKER_CALL_TIMEOUT_MS", 10_000, { min: 1 }),
    retryableMethods: methodsWithoutSideEffects([WorkerService]),
    credentials: internalCredentials,
  });
  const worker = createWorkerCaller(createClient(WorkerService, workerTransport), logger, envInt("WORKER_CALL_TIMEOUT_MS", 10_000, { min: 1 }));
  const identity = identityConfigFromEnv(logger);
  const cache = createIdentityCache({
    shared: sharedIdentityStoreFromEnv(logger, identity.secret),
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
  const guard = createAccessGuard({
    authenticate,
    authz,
    logger,
    callTimeoutMs,
  });
  // Firings run as the cron's owner, recorded at CreateCron; only the scheduler may authorize a stored user.
  const scheduler = createCronScheduler({
    db,
    guard: createStoredUserGuard({ authz, logger, callTimeoutMs }),
    logger,
    intervalMs: envInt("GATEHOUSE_CRON_POLL_MS", 1_000, { min: 10 }),
  });
  const host = envString("STORE_HOST", "127.0.0.1");
  const graceMs = shutdownGraceFromEnv();
  const server = await startStoreServer(
    {
      guard,
      threads: createThreadRepo(db),
      assistants: createAssistantRepo(db),
      runs: createRunRepo(db),
      events,
      items: createItemRepo(db),
      crons: createCronRepo(db),
      graphs: new Set(graphIds),
      worker,
    },
    { host, port: envInt("STORE_PORT", 50051, { max: 65535 }), logger, metrics: observed?.metrics, limits },
  );
  // Serving while Postgres answers; NOT_SERVING (and UNAVAILABLE on calls) while it does not.
  const databaseWatch = watchDependency({
    name: "postgres",
    probe: async () => {
      await db.query("SELECT 1");
    },
    intervalMs: envInt("GATEHOUSE_HEALTH_INTERVAL_MS", 2_000, { min: 100 }),
    logger,
    onChange: (up) => server.health.setServing(up),
  });
  scheduler.start();
  return {
    address: `${host}:${server.port}`,
    metricsAddress: observed?.address,
    async stop() {
      // The watch must not turn health back on; stop flips it first, so balancers stop sending, then drains.
      databaseWatch.stop();
      await scheduler.stop();
      await server.stop(graceMs);
      authnTransport.close();
      authzTransport.close();
      workerTransport.close();
      await cache.close();
      await events.close();
      await rateLimiter?.close();
      await db.end();
      await observed?.close();
    },
  };
});
