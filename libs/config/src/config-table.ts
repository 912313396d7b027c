import type { Setting, ValueOf } from "./setting.js";

/** A service's settings by the name its code uses. */
export type Settings = Record<string, Setting<unknown>>;

/** The values of a table's settings, typed. */
export type ConfigOf<S extends Settings> = { readonly [K in keyof S]: ValueOf<S[K]> };

/** Every variable of a table that is set to something it cannot take; the service refuses to start with it. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** The one declaration of what a service reads from its environment. */
export interface ConfigTable<S extends Settings> {
  /** The service it configures, as the README's table names it. */
  service: string;
  settings: S;
  /** The environment variable names it reads, in declaration order. */
  envNames(): string[];
  /**
   * Reads every setting once. Collects every bad variable before failing, so
   * one start-up names them all.
   */
  read(env?: NodeJS.ProcessEnv): ConfigOf<S>;
}

/**
 * Declares a service's configuration: each setting once, with its variable,
 * default, range and meaning. The service reads it once at start-up; the
 * README's table, the launcher and the deployment checks read the same
 * declaration.
 */
export function defineConfig<S extends Settings>(service: string, settings: S): ConfigTable<S> {
  return {
    service,
    settings,
    envNames: () => Object.values(settings).map((setting) => setting.env),
    read(env = process.env) {
      const values: Record<string, unknown> = {};
      const problems: string[] = [];
      for (const [key, setting] of Object.entries(settings)) {
        try {
          values[key] = setting.parse(env[setting.env]);
        } catch (error) {
          problems.push(`${setting.env} ${(error as Error).message}, got "${env[setting.env]}"`);
        }
      }
      if (problems.length > 0) throw new ConfigError(`${service}: ${problems.join("; ")}`);
      return values as ConfigOf<S>;
    },
  };
}
