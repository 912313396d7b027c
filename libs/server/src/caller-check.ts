import * as grpc from "@grpc/grpc-js";
import type { PeerCertificate } from "node:tls";
import { Code, type ConnectError } from "@connectrpc/connect";
import { gatehouseError } from "@gatehouse/errors";
import type { Logger } from "./logger.js";
import { rateLimited } from "./rate-limited.js";
import { statusFromConnectError } from "./status-details.js";

/** Health checks need a CA-signed certificate but not an allowed name, so each service can probe itself with its own. */
const healthService = "/grpc.health.v1.Health/";

/**
 * The names a peer certificate speaks for: its subject CN and its DNS
 * subject alternative names, lower-cased. Entries Node had to quote
 * (unusual characters) are ignored rather than parsed.
 */
export function certificateNames(certificate: PeerCertificate): string[] {
  const names = new Set<string>();
  const commonName: unknown = certificate.subject?.CN;
  if (typeof commonName === "string" && commonName !== "") names.add(commonName.toLowerCase());
  for (const entry of (certificate.subjectaltname ?? "").split(", ")) {
    const match = /^DNS:([A-Za-z0-9.*-]+)$/.exec(entry);
    if (match) names.add(match[1]!.toLowerCase());
  }
  return [...names];
}

/**
 * A grpc-js server interceptor that lets a call through only when the
 * connection presented a CA-verified client certificate naming one of
 * `allowedCallers`. Without a verified certificate the call answers
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
              refuse(call, gatehouseError(Code.Unauthenticated, "CALLER_CERTIFICATE_REQUIRED", "internal calls need a client certificate signed by the Gatehouse CA"));
              return;
            }
            const names = certificateNames(certificate);
            if (method.path.startsWith(healthService) || names.some((name) => allowed.has(name))) {
              nextMetadata(metadata);
              return;
            }
            const caller = names[0] ?? "(unnamed)";
            warn({ caller, method: method.path });
            refuse(call, gatehouseError(Code.PermissionDenied, "CALLER_NOT_ALLOWED", `caller "${caller}" is not allowed to call this service`, { caller }));
          },
        });
      },
    });
}

function refuse(call: grpc.ServerInterceptingCallInterface, error: ConnectError): void {
  call.sendStatus({ ...statusFromConnectError(error), code: error.code as number as grpc.status, details: error.rawMessage });
}
