import { boolSetting, ConfigError, defineConfig, type ConfigTable, type Settings } from "@gatehouse/config";
import { processSettings } from "@gatehouse/server";
import { authnConfig } from "../../authn/src/config.js";
import { authzConfig } from "../../authz/src/config.js";
import { gatewayConfig } from "../../gateway/src/config.js";
import { storeConfig } from "../../store/src/config.js";
import { workerConfig } from "../../worker/src/config.js";

/**
 * The combined process reads each service's own table from the one
 * environment, so a variable means the same in both topologies. Ports of
 * authn, authz and the worker are read but unused: only the store and the
 * gateway listen. DATABASE_POOL_MAX sizes the store's pool; the worker keeps
 * its own default (README, "Topologies").
 */
export const combinedTables = { authn: authnConfig, authz: authzConfig, store: storeConfig, gateway: gatewayConfig, worker: workerConfig } as const;

/** What the combined process itself reads. */
export const combinedConfig = defineConfig("combined", {
  ...processSettings,
  withGateway: boolSetting("GATEHOUSE_COMBINED_GATEWAY", "the combined process also runs the gateway", true),
  withWorker: boolSetting("GATEHOUSE_COMBINED_WORKER", "the combined process also runs the worker", true),
});

type Tables = typeof combinedTables;

/** Every service's configuration, typed. */
export type CombinedConfig = { [K in keyof Tables]: Tables[K] extends ConfigTable<infer S> ? ReturnType<ConfigTable<S>["read"]> : never } & {
  process: ReturnType<typeof combinedConfig.read>;
};

/** Reads every table, naming every bad variable of every service at once. */
export function readCombinedConfig(env: NodeJS.ProcessEnv = process.env): CombinedConfig {
  const problems: string[] = [];
  const read = <S extends Settings>(table: ConfigTable<S>, from: NodeJS.ProcessEnv) => {
    try {
      return table.read(from);
    } catch (error) {
      problems.push((error as Error).message);
      return undefined;
    }
  };
  const config = {
    authn: read(combinedTables.authn, env),
    authz: read(combinedTables.authz, env),
    store: read(combinedTables.store, env),
    gateway: read(combinedTables.gateway, env),
    worker: read(combinedTables.worker, { ...env, DATABASE_POOL_MAX: undefined }),
    process: read(combinedConfig, env),
  };
  if (problems.length > 0) throw new ConfigError(problems.join("; "));
  return config as CombinedConfig;
}
