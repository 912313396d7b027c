import { Counter, Gauge } from "prom-client";
import type { Metrics } from "@gatehouse/server";
import type { Database } from "./sql/database.js";

/** Where the store found a caller's identity. */
export type IdentitySource = "l1" | "shared" | "authn";

/** The store's own metrics, beside the RPC metrics every service keeps. */
export interface StoreMetrics {
  identityLookups: Counter<"source">;
}

/** Registers the store's metrics: identity cache hits and misses, and the database pool's use. */
export function createStoreMetrics(metrics: Metrics, db: Database): StoreMetrics {
  const registers = [metrics.registry];
  new Gauge({
    name: "gatehouse_db_pool_connections",
    help: "Postgres pool connections, by state",
    labelNames: ["state"],
    registers,
    collect() {
      this.set({ state: "total" }, db.totalCount);
      this.set({ state: "idle" }, db.idleCount);
      this.set({ state: "waiting" }, db.waitingCount);
    },
  });
  return {
    identityLookups: new Counter({
      name: "gatehouse_identity_lookups_total",
      help: "Identity lookups by where they were answered: l1 (in-process), shared (Redis) or authn (a miss)",
      labelNames: ["source"],
      registers,
    }),
  };
}
