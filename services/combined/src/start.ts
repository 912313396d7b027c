import { randomBytes } from "node:crypto";
import type { Transport } from "@connectrpc/connect";
import { AuthnService, AuthzService, WorkerService } from "@gatehouse/contracts";
import { redisTargetOf } from "@gatehouse/redis";
import { createInProcessTransport, createLogger, type Logger, type Route } from "@gatehouse/server";
import { createAuthn } from "../../authn/src/start.js";
import { createAuthz } from "../../authz/src/start.js";
import { startGateway } from "../../gateway/src/start.js";
import { startStore } from "../../store/src/start.js";
import { workerConfigOf } from "../../worker/src/config.js";
import { createWorkerParts } from "../../worker/src/start.js";
import type { CombinedConfig } from "./config.js";

/** A combined Gatehouse: one process, listening on the store's and (when started) the gateway's ports only. */
export interface CombinedGatehouse {
  /** host:port of the store's client-facing gRPC API. */
  store: string;
  /** host:port of the LangGraph HTTP API, when the gateway runs. */
  gateway?: string;
  /** host:port of the store's /metrics, when METRICS_PORT is set. */
  metricsAddress?: string;
  /** The worker's WorkerService behind an in-process transport, when the worker runs. */
  worker?: Transport;
  /** Front to back: gateway, store, worker, then authn's cache. */
  stop(): Promise<void>;
}

/** Which of the optional services to run. */
export interface CombinedOptions {
  gateway: boolean;
  worker: boolean;
  /** The loggers, by service; default one JSON logger per service at LOG_LEVEL. */
  logger?: (service: string) => Logger;
}

/**
 * Starts authn, authz, the store, the worker and the gateway in this process
 * with the same code as the split topology: each caller reaches the same
 * Connect service implementations through an in-process transport instead
 * of a gRPC channel — the gateway the store, the store authn, authz and the
 * worker — so authentication (identity cache, then authn), authorization
 * (batched calls to authz), request limits, per-caller rate limits and
 * request tracing run unchanged, without a socket or HTTP/2 framing between
 * them (README, "Topologies"). The store's gRPC port still serves clients.
 */
export async function startCombined(config: CombinedConfig, options: CombinedOptions): Promise<CombinedGatehouse> {
  const logger = options.logger ?? ((service: string) => createLogger(service, config.process.logLevel));
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  // One process, one cache secret: the store and authn key a credential alike, as the launcher has split processes do.
  // A made-up one only without Redis: replicas sharing a Redis must share the secret, so there the
  // identity settings refuse to start without it rather than key each replica's entries apart.
  const sharedCache = redisTargetOf(config.store) !== undefined;
  const cacheSecret = config.store.cacheSecret ?? config.authn.cacheSecret ?? (sharedCache ? undefined : randomBytes(32).toString("hex"));
  config = { ...config, authn: { ...config.authn, cacheSecret }, store: { ...config.store, cacheSecret }, gateway: { ...config.gateway, cacheSecret } };
  // The store's callers in this process check what they send, so requests are copied rather than encoded.
  const reach = (routes: readonly Route[], service: string) => createInProcessTransport(routes, { logger: logger(service), requests: "copy" });
  try {
    const authn = await createAuthn(config.authn, { logger: logger("authn") });
    await authn.start();
    stops.push(() => authn.close());
    const authz = await createAuthz(config.authz, { logger: logger("authz") });
    let worker: CombinedGatehouse["worker"];
    if (options.worker) {
      // Before the store, which calls it; it brings the schema up to date itself, under the same lock.
      const parts = await createWorkerParts(workerConfigOf(config.worker), { logger: logger("worker") });
      stops.push(() => parts.stop(config.worker.shutdownGraceMs));
      worker = reach([{ service: WorkerService, impl: parts.service }], "worker");
    }
    const store = await startStore(config.store, {
      logger: logger("store"),
      internal: {
        authn: reach([{ service: AuthnService, impl: authn.service }], "authn"),
        authz: reach([{ service: AuthzService, impl: authz.service }], "authz"),
        // Without a worker, state and graph calls reach no service (UNIMPLEMENTED) and fail closed.
        worker: worker ?? reach([], "worker"),
      },
    });
    stops.push(() => store.stop());
    const gateway = options.gateway ? await startGateway({ ...config.gateway, storeTarget: store.address }, { logger: logger("gateway"), storeTransport: store.inProcess }) : undefined;
    if (gateway) stops.push(() => gateway.stop());
    return {
      store: store.address,
      ...(gateway && { gateway: gateway.address }),
      ...(store.metricsAddress !== undefined && { metricsAddress: store.metricsAddress }),
      ...(worker && { worker }),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
