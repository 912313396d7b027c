import { createRequire } from 'module'; const require = createRequire(import.meta.url);

// services/authn/src/main.ts
import { loadAuthModule, loadConfig } from "@gatehouse/auth";
import { createIdentityCache, identityConfigFromEnv, sharedIdentityStoreFromEnv } from "@gatehouse/identity";
import { createLogger, envInt, envString, runService } from "@gatehouse/server";

// services/authn/src/server.ts
import * as grpc from "@grpc/grpc-js";
import { AuthnService } from "@gatehouse/contracts";
import { listen, registerService, serverOptions, shutdown } from "@gatehouse/server";

// services/authn/src/authn-service.ts
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { gatehouseError, internalError } from "@gatehouse/errors";
import { credentialKey, userToProto } from "@gatehouse/identity";

// services/authn/src/verify-credential.ts
import { exceptionHeaders, InvalidUserError, isHttpException, normalizeUser } from "@gatehouse/auth";
var CallbackFailure = class extends Error {
  name = "CallbackFailure";
};
async function verifyCredential(callback, request, options) {
  const now = (options.now ?? Date.now)();
  if (callback === void 0) {
    return { kind: "user", user: normalizeUser({ identity: "anonymous", is_authenticated: false }), cacheUntil: now + options.ttlMs };
  }
  let result;
  try {
    result = await callback(new Request(`http://gatehouse${request.path}`, { method: request.method, headers: request.headers }));
  } catch (error) {
    if (isHttpException(error) && error.status < 500) {
      return {
        kind: "rejected",
        status: error.status,
        message: error.message,
        headers: exceptionHeaders(error),
        cacheUntil: now + options.rejectionTtlMs
      };
    }
    throw new CallbackFailure(`authenticate threw: ${String(error)}`, { cause: error });
  }
  try {
    return { kind: "user", user: normalizeUser(result), cacheUntil: now + options.ttlMs };
  } catch (error) {
    if (error instanceof InvalidUserError) throw new CallbackFailure(error.message);
    throw error;
  }
}

// services/authn/src/authn-service.ts
function createAuthnService(deps) {
  const inFlight = /* @__PURE__ */ new Map();
  function verifyOnce(key, headers, method, path) {
    let pending = inFlight.get(key);
    if (pending === void 0) {
      pending = verifyCredential(deps.authenticate, { headers, method, path }, deps.identity).then(async (entry) => {
        await deps.cache.remember(key, entry);
        return entry;
      }).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  }
  return {
    async authenticate(request) {
      const headers = toHeaders(request.headers, deps.identity.maxCredentialBytes);
      const key = credentialKey(deps.identity.secret, headers, deps.identity.credentialHeaders);
      let entry;
      try {
        entry = await deps.cache.lookup(key) ?? await verifyOnce(key, headers, request.method || "POST", request.path || "/");
      } catch (error) {
        if (error instanceof CallbackFailure) {
          deps.logger.error({ err: error, path: request.path }, "authenticate callback failed");
          throw internalError();
        }
        throw error;
      }
      if (entry.kind === "rejected") {
        return {
          outcome: { case: "rejection", value: { httpStatus: entry.status, message: entry.message, headers: entry.headers } }
        };
      }
      return { outcome: { case: "user", value: userToProto(entry.user) }, expiresAt: timestampFromMs(entry.cacheUntil) };
    },
    async revokeCredential(request) {
      const headers = toHeaders(request.headers, deps.identity.maxCredentialBytes);
      const key = credentialKey(deps.identity.secret, headers, deps.identity.credentialHeaders);
      return { removed: await deps.cache.revoke(key) };
    }
  };
}
function toHeaders(raw, maxBytes) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value.length > maxBytes) {
      throw gatehouseError(Code.Unauthenticated, "CREDENTIAL_TOO_LARGE", `header ${name} is longer than ${maxBytes} bytes`);
    }
    try {
      headers.set(name, value);
    } catch {
      throw gatehouseError(Code.Unauthenticated, "MALFORMED_HEADER", `header ${name} is malformed`);
    }
  }
  return headers;
}

// services/authn/src/server.ts
async function startAuthnServer(deps, host, port) {
  const server = new grpc.Server(serverOptions);
  registerService(server, AuthnService, createAuthnService(deps), { logger: deps.logger });
  await deps.cache.start();
  const boundPort = await listen(server, host, port);
  return {
    port: boundPort,
    async stop() {
      await shutdown(server, 1e4);
      await deps.cache.close();
    }
  };
}

// services/authn/src/main.ts
var logger = createLogger("authn");
await runService("authn", logger, async () => {
  const config = await loadConfig(envString("GATEHOUSE_CONFIG", "gatehouse.json"));
  const { authenticate } = await loadAuthModule(config);
  const identity = identityConfigFromEnv(logger);
  const cache = createIdentityCache({
    shared: sharedIdentityStoreFromEnv(logger),
    l1TtlMs: identity.l1TtlMs,
    l1MaxEntries: identity.l1MaxEntries,
    onSharedError: (error) => logger.warn({ err: error }, "identity cache unavailable; verifying directly")
  });
  const host = envString("AUTHN_HOST", "127.0.0.1");
  const server = await startAuthnServer({ authenticate, cache, identity, logger }, host, envInt("AUTHN_PORT", 50052, { max: 65535 }));
  return { address: `${host}:${server.port}`, stop: server.stop };
});
