import { dirname, resolve } from "node:path";
import { ConfigError } from "./config-error.js";

/** A module and one of its exports, as gatehouse.json names them. */
export interface ModuleExport {
  /** Absolute path of the module file. */
  file: string;
  /** The export to read. */
  exportName: string;
}

/** Which gatehouse.json field a module path came from, for defaults and error messages. */
export interface ModuleField {
  /** The field's path in gatehouse.json, such as "auth.path". */
  field: string;
  /** What the module is, such as "the auth module". */
  what: string;
  /** The export read when the value names none, such as "auth". */
  defaultExport: string;
}

/**
 * Reads a `"./file.ts:export"` value of gatehouse.json: the file resolved
 * against the config file's folder, and the export after the last colon, or
 * the field's default export when there is none. A colon at index 1 is a
 * Windows drive letter, not an export. Throws a ConfigError naming the field
 * when the value is not a non-empty string or names an empty export.
 */
export function parseModuleExport(value: unknown, { field, what, defaultExport }: ModuleField, configPath: string): ModuleExport {
  if (typeof value !== "string" || value === "") {
    throw new ConfigError(`${configPath}: "${field}" must name ${what}, such as "./${defaultExport}.ts:${defaultExport}"`);
  }
  const separator = value.lastIndexOf(":");
  const hasExport = separator > 1;
  const exportName = hasExport ? value.slice(separator + 1) : defaultExport;
  if (exportName === "") throw new ConfigError(`${configPath}: "${field}" ends with ":" but names no export`);
  return { file: resolve(dirname(configPath), hasExport ? value.slice(0, separator) : value), exportName };
}
