import * as grpc from "@grpc/grpc-js";
import type { PeerCertificate } from "node:tls";
import { Code, type ConnectError } from "@connectrpc/connect";
import { ErrorReason, gatehouseError } from "@gatehouse/errors";
import type { Logger } from "./logger.js";
import { rateLimited } from "./rate-limited.js";
import { statusFromConnectError } from "./status-details.js";

/** Health checks need a CA-signed certificate but not an allowed name, so each service can probe itself with its own. */
const healthService = "/grpc.health.v1.Health/";

/**
 * The caller a peer certificate names: its subject CN, lower-cased. Only the
 * CN counts: DNS names are where a service is reached, and the generator
 * gives every certificate the same shared ones (localhost, any --names), so
 * matching them would let any Gatehouse certificate pass for any caller.
 */
export function callerName(certificate: PeerCertificate): string | undefined {
  const commonName: unknown = certificate.subject?.CN;
  return typeof commonName === "string" && commonName !== "" ? commonName.toLowerCase() : undefined;
}

/**
 * A grpc-js server interceptor that lets a call through only when the
 * connection presented a CA-verified client certificate whose subject CN is
 * one of `allowedCallers`. Without a verified certificate the call answers
 * UNAUTHENTICATED; with one that names no allowed caller, PERMISSION_DENIED.
 * Mutual TLS proves the caller holds a Gatehouse certificate; this check
 * decides which Gatehouse services may call, so a leaked gateway key cannot
 * ask authn to verify tokens or authz for decisions.
 */
export function requireAllowedCaller(allowedCallers: readonly string[], logger?: Logger): grpc.ServerInterceptor {
  const allowed = new Set(allowedCallers.map((name) => name.toLowerCase()));
  const warn = rateLimited<{ caller: string; method: string }>(10_000, (refused, suppressed) =>
    logger?.warn({ ...refused, suppressed }, "refused a call from a caller that is not allowed"),
  );
  return (method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            const certificate = call.getAuthContext().sslPeerCertificate;
            if (certificate === undefined) {
              refuse(call, gatehouseError(Code.Unauthenticated, ErrorReason.CALLER_CERTIFICATE_REQUIRED, "internal calls need a client certificate signed by the Gatehouse CA"));
              return;
            }
            const name = callerName(certificate);
            if (method.path.startsWith(healthService) || (name !== undefined && allowed.has(name))) {
              nextMetadata(metadata);
              return;
            }
            const caller = name ?? "(unnamed)";
            warn({ caller, method: method.path });
            refuse(call, gatehouseError(Code.PermissionDenied, ErrorReason.CALLER_NOT_ALLOWED, `caller "${caller}" is not allowed to call this service`, { caller }));
          },
        });
      },
    });
}

function refuse(call: grpc.ServerInterceptingCallInterface, error: ConnectError): void {
  call.sendStatus({ ...statusFromConnectError(error), code: error.code as number as grpc.status, details: error.rawMessage });
}
