import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Ajv, type ErrorObject } from "ajv";

/**
 * The Compose specification's JSON schema, as dclint (a Compose file linter)
 * ships it. That copy follows the upstream compose-spec schema, so the
 * checks see the fields today's `docker compose` accepts.
 */
function loadComposeSchema(): object {
  const packageDir = dirname(createRequire(import.meta.url).resolve("dclint/package.json"));
  const { $schema, ...schema } = JSON.parse(readFileSync(join(packageDir, "schemas/compose.schema.json"), "utf8")) as { $schema?: string };
  // It names draft-07 by its https address, which Ajv (draft-07 by default) only knows by the http one.
  if (!$schema?.includes("draft-07")) throw new Error(`the Compose schema is written in ${$schema}, not JSON Schema draft-07`);
  return schema;
}

/**
 * Validates a parsed Compose file against the Compose specification and
 * returns each violation as `path: message`; none when the file conforms.
 */
export function composeSpecViolations(compose: unknown): string[] {
  validate ??= new Ajv({ allErrors: true, strict: false }).compile(loadComposeSchema());
  if (validate(compose)) return [];
  return (validate.errors ?? []).map(describe);
}

let validate: ReturnType<Ajv["compile"]> | undefined;

function describe(error: ErrorObject): string {
  const detail = error.keyword === "additionalProperties" ? ` (${String(error.params.additionalProperty)})` : "";
  return `${error.instancePath || "/"}: ${error.message ?? error.keyword}${detail}`;
}
