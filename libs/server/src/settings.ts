import { redisTargetSettings } from "@gatehouse/redis";
import { intSetting, optionalIntSetting, optionalSetting, textSetting, boolSetting, type ConfigOf } from "@gatehouse/config";
import { defaultServerLimits } from "./listen.js";

/**
 * The setting groups this library owns, declared once and spread into each
 * service's config table (README, "Configuration"); the functions of this
 * library take the values read from them.
 */

/** The limits of a gRPC server (README, Limits). Metadata is capped at 64 KiB: Node's HTTP/2 layer resets larger header fields before grpc-js sees them. */
export const serverLimitSettings = {
  maxMessageBytes: intSetting("GATEHOUSE_MAX_MESSAGE_BYTES", "largest request message a gRPC service accepts", defaultServerLimits.maxMessageBytes, { min: 1024, max: 1024 * 1024 * 1024 }),
  maxMetadataBytes: intSetting("GATEHOUSE_MAX_METADATA_BYTES", "largest request metadata a gRPC service accepts (1024 to 65536: Node's HTTP/2 layer resets larger header fields)", defaultServerLimits.maxMetadataBytes, { min: 1024, max: 64 * 1024 }),
  maxConcurrentStreams: intSetting("GATEHOUSE_MAX_CONCURRENT_STREAMS", "calls in flight per HTTP/2 connection to a gRPC service", defaultServerLimits.maxConcurrentStreams, { min: 1, max: 2 ** 31 - 1 }),
};

/** The PEM files that turn on mutual TLS between services; all three or none. */
export const internalTlsFileSettings = {
  tlsCa: optionalSetting("GATEHOUSE_TLS_CA", "PEM file of the CA that signs every service's certificate; with the next two, turns on mutual TLS between services (see [Trusted internal calls](#trusted-internal-calls))", "plaintext between services"),
  tlsCert: optionalSetting("GATEHOUSE_TLS_CERT", "this service's certificate (mutual TLS between services)", "plaintext between services"),
  tlsKey: optionalSetting("GATEHOUSE_TLS_KEY", "this service's private key (mutual TLS between services)", "plaintext between services"),
};

/** Mutual TLS of an internal server: its files and who may call it. */
export const internalServerTlsSettings = {
  ...internalTlsFileSettings,
  tlsAllowedCallers: optionalSetting("GATEHOUSE_TLS_ALLOWED_CALLERS", "on authn, authz and the worker: the certificate subject CNs that may call them, comma-separated", "`store`"),
};

/** The /metrics endpoint. */
export const metricsSettings = {
  metricsPort: optionalIntSetting("METRICS_PORT", "serve Prometheus metrics at `/metrics` on this port (0 picks a free one): RPCs by method and code with latency, identity lookups by tier, authz decisions by outcome, pool use (store), HTTP requests by route and status (gateway)", "no metrics", { max: 65535 }),
  metricsHost: textSetting("METRICS_HOST", "where /metrics listens", "127.0.0.1"),
};

/** The Redis command budget, shared by the identity cache and the shared rate limits. */
export const redisTimeoutSettings = {
  redisTimeoutMs: intSetting("GATEHOUSE_REDIS_TIMEOUT_MS", "the time budget of one Redis command (identity cache, shared rate limits), after which the process falls back to verifying or counting itself", 50, { min: 1 }),
};

/** The per-caller rate limit of a client-facing service; shared through Redis when a Redis target (REDIS_URL, a cluster or Sentinels) is set. */
export const rateLimitSettings = {
  ratePerSecond: intSetting("GATEHOUSE_RATE_LIMIT_PER_SECOND", "each caller's request rate on the store and the gateway: over all replicas with `REDIS_URL`, per process without (see [Limits](#limits)); 0 turns the limit off", 500, { max: 1_000_000 }),
  rateBurst: optionalIntSetting("GATEHOUSE_RATE_LIMIT_BURST", "the burst a caller may spend at once (0 turns the limit off)", "twice the rate", { max: 10_000_000 }),
  rateMaxCallers: intSetting("GATEHOUSE_RATE_LIMIT_MAX_CALLERS", "callers whose buckets each process tracks (without `REDIS_URL`)", 50_000, { min: 1, max: 10_000_000 }),
  ...redisTimeoutSettings,
  // The Redis the identity cache uses, single, clustered or behind Sentinels: limits are shared wherever identities are.
  ...redisTargetSettings,
};

/** The HTTP/2 keepalive of internal clients: how soon a peer that vanished without closing is noticed. */
export const keepaliveSettings = {
  keepaliveTimeMs: intSetting("GATEHOUSE_KEEPALIVE_TIME_MS", "store and gateway: how often an internal connection is pinged", 30_000, { min: 1_000 }),
  keepaliveTimeoutMs: intSetting("GATEHOUSE_KEEPALIVE_TIMEOUT_MS", "how long a ping may go unanswered before the connection counts as dead (a peer cut off without a reset is noticed no sooner)", 10_000, { min: 100 }),
};

/** How long a gRPC service drains after SIGTERM. */
export const shutdownSettings = {
  shutdownGraceMs: intSetting("GATEHOUSE_SHUTDOWN_GRACE_MS", "on SIGTERM: health turns NOT_SERVING, then in-flight calls get this long to finish", 10_000),
};

/** What every service process reads: its log level, whether stack traces stay source-mapped, and whether it stops with its launcher. */
export const processSettings = {
  logLevel: textSetting("LOG_LEVEL", "pino level; every authz decision logs one audit line at `info`", "info"),
  sourceMaps: boolSetting("GATEHOUSE_SOURCE_MAPS", "keep source-mapped stack traces after start-up (costs throughput)", false),
  stopWithLauncher: boolSetting(
    "GATEHOUSE_STOP_WITH_LAUNCHER",
    "stop as on SIGTERM when standard input ends; the launcher (`npm start`, `startCluster`) sets it and holds each service's input open, so a launcher killed outright leaves no service behind",
    false,
  ),
};

/** The values of {@link serverLimitSettings}. */
export type ServerLimitValues = ConfigOf<typeof serverLimitSettings>;
/** The values of {@link internalServerTlsSettings}. */
export type InternalServerTlsValues = ConfigOf<typeof internalServerTlsSettings>;
/** The values of {@link internalTlsFileSettings}. */
export type InternalTlsFileValues = ConfigOf<typeof internalTlsFileSettings>;
/** The values of {@link metricsSettings}. */
export type MetricsValues = ConfigOf<typeof metricsSettings>;
/** The values of {@link rateLimitSettings}. */
export type RateLimitValues = ConfigOf<typeof rateLimitSettings>;
/** The values of {@link keepaliveSettings}. */
export type KeepaliveValues = ConfigOf<typeof keepaliveSettings>;
/** The values of {@link processSettings}. */
export type ProcessValues = ConfigOf<typeof processSettings>;

