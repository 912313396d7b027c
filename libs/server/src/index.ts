/**
 * Serving and calling Gatehouse services: Connect service implementations on
 * grpc-js servers, Connect clients over grpc-js channels, logging and
 * start-up/shutdown helpers shared by every service.
 */
export { registerService, type RegisterServiceOptions } from "./grpc-server.js";
export { createProvenCredentials, type ProvenCredentials, type ProvenCredentialsOptions } from "./proven-credentials.js";
export {
  startGrpcServiceServer,
  runningGrpcService,
  type GrpcServiceServer,
  type GrpcServiceServerOptions,
  type Route,
} from "./grpc-service-server.js";
export { createInProcessTransport, type InProcessTransportOptions } from "./in-process-transport.js";
export { GrpcHandlerContext, headersFromMetadata, requestTraceOf } from "./grpc-handler-context.js";
export { traceFromHeaders, traceHeaders, traceLogFields, type RequestTrace } from "./request-trace.js";
export { createGrpcTransport, keepaliveOf, defaultKeepalive, type GrpcTransportOptions, type ClosableTransport, type Keepalive } from "./grpc-transport.js";
export { methodsWithoutSideEffects, type MethodName, type RetryScope } from "./retry-policy.js";
export { statusFromConnectError, connectErrorFromStatus } from "./status-details.js";
export { createLogger, type Logger } from "./logger.js";
export { listen, shutdown, serverLimitsFromEnv, serverLimitsOf, defaultServerLimits, type ServerLimits } from "./listen.js";
export {
  createCallerRateLimiter,
  callerRateLimiterOf,
  type CallerRateLimiter,
  type InProcessCallerRateLimiter,
  type CallerRateLimitOptions,
} from "./caller-rate-limiter.js";
export { createSharedCallerRateLimiter, sharedLimits, type SharedCallerRateLimitOptions, type SharedLimits, type SharedWindow } from "./shared-rate-limiter.js";
export { runService, readConfigOrExit, type RunningService, type RunOptions } from "./process.js";
export { rateLimited } from "./rate-limited.js";
export { addOperations, type HealthReporter } from "./operations.js";
export { watchDependency, type DependencyWatch } from "./dependency-watch.js";
export { internalChannelCredentials, internalServerSecurity, internalClientCredentials, internalServerSecurityFromEnv, internalChannelCredentialsFromEnv, type InternalServerSecurity } from "./internal-tls.js";
export { generateCertificates, writeCertificates, defaultCertificateServices, type GeneratedCertificates, type CertificateOptions, type PemPair } from "./certificates.js";
export { createMetrics, registerCounter, serveMetrics, startMetrics, type Metrics, type MetricsEndpoint } from "./metrics.js";
export { decodeRequest, findStructProblem, findStructProtoKey, structProblemOf, type StructProblem } from "./struct-proto-keys.js";
export {
  serverLimitSettings,
  internalTlsFileSettings,
  internalServerTlsSettings,
  metricsSettings,
  redisTimeoutSettings,
  rateLimitSettings,
  keepaliveSettings,
  shutdownSettings,
  processSettings,
  type ServerLimitValues,
  type InternalServerTlsValues,
  type InternalTlsFileValues,
  type MetricsValues,
  type RateLimitValues,
  type KeepaliveValues,
  type ProcessValues,
} from "./settings.js";
