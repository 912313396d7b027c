/**
 * Service configuration declared once: each environment variable with its
 * default, range and meaning, read once at start-up, and the README table
 * written from the same declarations.
 */
export { intSetting, optionalIntSetting, portSetting, textSetting, optionalSetting, listSetting, boolSetting, choiceSetting, type Setting, type ValueOf } from "./setting.js";
export { defineConfig, ConfigError, type ConfigTable, type ConfigOf, type Settings } from "./config-table.js";
export { configurationTable, withConfigurationTable } from "./config-docs.js";
