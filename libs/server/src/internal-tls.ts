import * as grpc from "@grpc/grpc-js";
import { requireAllowedCaller } from "./caller-check.js";
import { allowedCallersFromEnv, allowedCallersOf, internalTlsFromEnv, internalTlsOf, type InternalTls } from "./internal-tls-config.js";
import type { Logger } from "./logger.js";
import type { InternalServerTlsValues, InternalTlsFileValues } from "./settings.js";

/** How an internal server (authn, authz) accepts connections: its credentials and the interceptors that check callers. */
export interface InternalServerSecurity {
  credentials: grpc.ServerCredentials;
  interceptors: grpc.ServerInterceptor[];
  /** True when callers must present a client certificate. */
  mutualTls: boolean;
}

/**
 * Server credentials for mutual TLS: this service's certificate, and a
 * client certificate required from every caller and verified against the
 * Gatehouse CA only (not the system roots).
 */
export function internalServerCredentials(tls: InternalTls): grpc.ServerCredentials {
  return grpc.ServerCredentials.createSsl(tls.ca, [{ cert_chain: tls.cert, private_key: tls.key }], true);
}

/**
 * Channel credentials for calling an internal service: this service's
 * certificate as the client certificate, and the server's certificate
 * verified against the Gatehouse CA and the target's host name.
 */
export function internalChannelCredentials(tls: InternalTls): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(tls.ca, tls.key, tls.cert);
}

/**
 * The security of an internal server from GATEHOUSE_TLS_CA/CERT/KEY and
 * GATEHOUSE_TLS_ALLOWED_CALLERS: mutual TLS and the caller allow-list when
 * the files are set, plaintext otherwise (the loopback development default).
 * Misconfiguration throws, naming the variable.
 */
export function internalServerSecurityFromEnv(logger?: Logger, env: NodeJS.ProcessEnv = process.env): InternalServerSecurity {
  const tls = internalTlsFromEnv(env);
  if (tls === undefined) return { credentials: grpc.ServerCredentials.createInsecure(), interceptors: [], mutualTls: false };
  return {
    credentials: internalServerCredentials(tls),
    interceptors: [requireAllowedCaller(allowedCallersFromEnv(env), logger)],
    mutualTls: true,
  };
}

/**
 * Channel credentials for calls to authn and authz from GATEHOUSE_TLS_*, or
 * undefined (plaintext) when they are unset. Misconfiguration throws,
 * naming the variable.
 */
export function internalChannelCredentialsFromEnv(env: NodeJS.ProcessEnv = process.env): grpc.ChannelCredentials | undefined {
  const tls = internalTlsFromEnv(env);
  return tls && internalChannelCredentials(tls);
}

/** {@link internalServerSecurityFromEnv} from the values of `internalServerTlsSettings`. */
export function internalServerSecurity(values: InternalServerTlsValues, logger?: Logger): InternalServerSecurity {
  const tls = internalTlsOf(values);
  if (tls === undefined) return { credentials: grpc.ServerCredentials.createInsecure(), interceptors: [], mutualTls: false };
  return {
    credentials: internalServerCredentials(tls),
    interceptors: [requireAllowedCaller(allowedCallersOf(values.tlsAllowedCallers), logger)],
    mutualTls: true,
  };
}

/** {@link internalChannelCredentialsFromEnv} from the values of `internalTlsFileSettings`. */
export function internalClientCredentials(values: InternalTlsFileValues): grpc.ChannelCredentials | undefined {
  const tls = internalTlsOf(values);
  return tls && internalChannelCredentials(tls);
}
