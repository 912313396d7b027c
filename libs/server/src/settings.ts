import { intSetting, optionalIntSetting, optionalSetting, textSetting, boolSetting, type ConfigOf } from "@gatehouse/config";
import { defaultServerLimits } from "./listen.js";

/**
 * The setting groups this library owns, declared once and spread into each
 * service's config table (README, "Configuration"); the functions of this
 * library take the values read from them.
 */

/** The limits of a gRPC server (README, Limits). Metadata is capped at 64 KiB: Node's HTTP/2 layer resets larger header fields before grpc-js sees them. */
export const serverLimitSettings = {
  maxMessageBytes: intSetting("GATEHOUSE_MAX_MESSAGE_BYTES", "the largest gRPC message a server accepts", defaultServerLimits.maxMessageBytes, { min: 1024, max: 1024 * 1024 * 1024 }),
  maxMetadataBytes: intSetting("GATEHOUSE_MAX_METADATA_BYTES", "the most metadata (headers) a gRPC call may carry", defaultServerLimits.maxMetadataBytes, { min: 1024, max: 64 * 1024 }),
  maxConcurrentStreams: intSetting("GATEHOUSE_MAX_CONCURRENT_STREAMS", "concurrent calls per gRPC connection", defaultServerLimits.maxConcurrentStreams, { min: 1, max: 2 ** 31 - 1 }),
};

/** The PEM files that turn on mutual TLS between services; all three or none. */
export const internalTlsFileSettings = {
  tlsCa: optionalSetting("GATEHOUSE_TLS_CA", "the CA that signs every service's certificate (mutual TLS between services)", "plaintext between services"),
  tlsCert: optionalSetting("GATEHOUSE_TLS_CERT", "this service's certificate (mutual TLS between services)", "plaintext between services"),
  tlsKey: optionalSetting("GATEHOUSE_TLS_KEY", "this service's private key (mutual TLS between services)", "plaintext between services"),
};

/** Mutual TLS of an internal server: its files and who may call it. */
export const internalServerTlsSettings = {
  ...internalTlsFileSettings,
  tlsAllowedCallers: optionalSetting("GATEHOUSE_TLS_ALLOWED_CALLERS", "certificate CNs allowed to call authn, authz and the worker, comma-separated", "`store`"),
};

/** The /metrics endpoint. */
export const metricsSettings = {
  metricsPort: optionalIntSetting("METRICS_PORT", "serves Prometheus metrics at /metrics on this port (0 picks a free one)", "no metrics", { max: 65535 }),
  metricsHost: textSetting("METRICS_HOST", "where /metrics listens", "127.0.0.1"),
};

/** The Redis command budget, shared by the identity cache and the shared rate limits. */
export const redisTimeoutSettings = {
  redisTimeoutMs: intSetting("GATEHOUSE_REDIS_TIMEOUT_MS", "the time budget of one Redis command before falling back to this process", 50, { min: 1 }),
};

/** The per-caller rate limit of a client-facing service; shared through Redis when REDIS_URL is set. */
export const rateLimitSettings = {
  ratePerSecond: intSetting("GATEHOUSE_RATE_LIMIT_PER_SECOND", "calls per second per caller (0 turns the limit off)", 500, { max: 1_000_000 }),
  rateBurst: optionalIntSetting("GATEHOUSE_RATE_LIMIT_BURST", "the burst a caller may spend at once (0 turns the limit off)", "twice the rate", { max: 10_000_000 }),
  rateMaxCallers: intSetting("GATEHOUSE_RATE_LIMIT_MAX_CALLERS", "callers tracked at once in this process", 50_000, { min: 1, max: 10_000_000 }),
  ...redisTimeoutSettings,
  redisUrl: optionalSetting("REDIS_URL", "the Redis of the identity cache and the shared rate limits", "in-process cache and limits"),
};

/** The HTTP/2 keepalive of internal clients: how soon a peer that vanished without closing is noticed. */
export const keepaliveSettings = {
  keepaliveTimeMs: intSetting("GATEHOUSE_KEEPALIVE_TIME_MS", "how often an idle internal connection is pinged", 30_000, { min: 1_000 }),
  keepaliveTimeoutMs: intSetting("GATEHOUSE_KEEPALIVE_TIMEOUT_MS", "how long a ping may go unanswered before the connection is dropped", 10_000, { min: 100 }),
};

/** How long a gRPC service drains after SIGTERM. */
export const shutdownSettings = {
  shutdownGraceMs: intSetting("GATEHOUSE_SHUTDOWN_GRACE_MS", "how long in-flight calls get to finish after SIGTERM", 10_000),
};

/** What every service process reads: its log level and whether stack traces stay source-mapped. */
export const processSettings = {
  logLevel: textSetting("LOG_LEVEL", "the log level (`silent` to `trace`)", "info"),
  sourceMaps: boolSetting("GATEHOUSE_SOURCE_MAPS", "keep source-mapped stack traces after start-up (costs throughput)", false),
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

