import type { DescField, DescMessage, DescService } from "@bufbuild/protobuf";
import type { Value } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { invalidArgument } from "@gatehouse/errors";
import { findJsonProblem, type JsonProblem } from "@gatehouse/filters";
import { structProblemOf } from "@gatehouse/server";
import { limits } from "./validate.js";

type Fields = Record<string, unknown>;

/**
 * Finds the first JSON-carrying field of a request (a google.protobuf.Struct,
 * Value or ListValue anywhere in it) that holds what the store refuses: NaN
 * or Infinity, which protobuf carries but JSON and jsonb cannot (they would
 * be stored as null), nesting deeper than `maxDepth`, or a "__proto__" key.
 * The path uses the proto field names, as in `metadata.a.b`.
 */
export function findRequestJsonProblem(schema: DescMessage, message: Fields, maxDepth: number = limits.maxJsonDepth): JsonProblem | undefined {
  for (const field of schema.fields) {
    const value = fieldValue(message, field);
    if (value === undefined) continue;
    const path = field.name;
    const found =
      field.fieldKind === "list" && field.listKind === "message"
        ? firstOf(value as unknown[], (item, i) => messageProblem(field.message, item, `${path}[${i}]`, maxDepth))
        : field.fieldKind === "message"
          ? messageProblem(field.message, value, path, maxDepth)
          : undefined;
    if (found) return found;
  }
  return undefined;
}

/**
 * Wraps a service so every call is checked by findRequestJsonProblem before
 * the implementation runs, so nothing is authorized, sent to authz or
 * written for a request the store would refuse; INVALID_ARGUMENT names the field.
 */
export function withJsonChecks<S extends DescService>(service: S, impl: ServiceImpl<S>): ServiceImpl<S> {
  const checked: Record<string, unknown> = {};
  for (const method of service.methods) {
    const call = (impl as Record<string, (request: unknown, context: HandlerContext) => unknown>)[method.localName]!.bind(impl);
    checked[method.localName] = (request: Fields, context: HandlerContext) => {
      // What decoding hides (a "__proto__" key, nesting too deep to decode); decodeRequest noted it.
      const hidden = structProblemOf(request);
      if (hidden !== undefined) throw invalidArgument(hidden.path, hidden.problem);
      const problem = findRequestJsonProblem(method.input, request);
      if (problem) throw invalidArgument(problem.path, problem.problem);
      return call(request, context);
    };
  }
  return checked as ServiceImpl<S>;
}

function fieldValue(message: Fields, field: DescField): unknown {
  if (field.oneof === undefined) return message[field.localName];
  const chosen = message[field.oneof.localName] as { case?: string; value?: unknown } | undefined;
  return chosen?.case === field.localName ? chosen.value : undefined;
}

function messageProblem(schema: DescMessage, value: unknown, path: string, maxDepth: number): JsonProblem | undefined {
  switch (schema.typeName) {
    // protobuf-es hands a Struct field over as a plain JSON object.
    case "google.protobuf.Struct":
      return findJsonProblem(value, path, maxDepth);
    case "google.protobuf.Value":
      return valueProblem(value as Value, path, 0, maxDepth);
    case "google.protobuf.ListValue":
      return listProblem((value as { values: Value[] }).values, path, 0, maxDepth);
    default:
      return findRequestJsonProblem(schema, value as Fields, maxDepth);
  }
}

/** Like findJsonProblem, over a Value message, whose numbers may be NaN or infinite. */
function valueProblem(value: Value, path: string, depth: number, maxDepth: number): JsonProblem | undefined {
  const { kind } = value;
  switch (kind.case) {
    case "numberValue":
      return Number.isFinite(kind.value) ? undefined : { path, problem: `${kind.value} is not a JSON number` };
    case "listValue":
      return listProblem(kind.value.values, path, depth, maxDepth);
    case "structValue": {
      if (depth + 1 > maxDepth) return { path, problem: `nests deeper than ${maxDepth} levels` };
      for (const [key, item] of Object.entries(kind.value.fields)) {
        const child = `${path}.${key}`;
        if (key === "__proto__") return { path: child, problem: 'the key "__proto__" is not allowed' };
        const found = valueProblem(item, child, depth + 1, maxDepth);
        if (found) return found;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function listProblem(values: Value[], path: string, depth: number, maxDepth: number): JsonProblem | undefined {
  if (depth + 1 > maxDepth) return { path, problem: `nests deeper than ${maxDepth} levels` };
  return firstOf(values, (item, i) => valueProblem(item, `${path}[${i}]`, depth + 1, maxDepth));
}

function firstOf<T>(items: readonly T[], find: (item: T, index: number) => JsonProblem | undefined): JsonProblem | undefined {
  for (let i = 0; i < items.length; i++) {
    const found = find(items[i]!, i);
    if (found) return found;
  }
  return undefined;
}
