import { isScalar, type FilterExpr, type JsonValue } from "./filter-expr.js";

/**
 * Where a compiled filter applies: a trusted SQL expression of type jsonb
 * (a column name written in code, never user input) and the statement's bind
 * parameters, which compilation appends to.
 */
export interface SqlTarget {
  readonly column: string;
  readonly params: unknown[];
  /**
   * Top-level keys with a btree expression index on `column -> 'key'`
   * (written in code, lower-case identifiers). Scalar equality on these
   * compiles to `(column -> 'key') = $n::jsonb`, which that index serves
   * together with the sort order of a search, instead of containment.
   */
  readonly indexedKeys?: ReadonlySet<string>;
  /**
   * The statement finds its rows by their key and the filter only checks
   * them. It then compiles so that no index can serve it: containment as the
   * function `jsonb_contains` rather than the `@>` a GIN index serves, and no
   * indexed-key expressions. Postgres keeps one generic plan for a prepared
   * statement, made without the filter's values; with an indexable filter
   * that plan intersected the key's lookup with an index scan of every row
   * the filter matches: 15 ms instead of 0.02 ms to read one thread of an
   * owner of 100 000.
   */
  readonly checksOnly?: boolean;
}

/**
 * Compiles a filter to a boolean SQL expression over a jsonb column. Keys and
 * operands only ever travel as bind parameters.
 *
 * Equality and membership of scalars become one containment test
 * (`column @> $n::jsonb`), which a GIN `jsonb_path_ops` index serves. For
 * object or array operands containment over-matches (`{"a":1,"b":2}`
 * contains `{"a":1}`), so those keep `@>` to narrow through the index and
 * add an exact jsonb equality test (README "Filters").
 */
export function compileFilter(filter: FilterExpr, target: SqlTarget): string {
  switch (filter.op) {
    case "and":
      return compileAnd(filter.filters, target);
    case "or":
      return filter.filters.length === 0 ? "FALSE" : `(${filter.filters.map((child) => compileFilter(child, target)).join(" OR ")})`;
    case "eq":
      return compileEq(filter.key, filter.value, target);
    case "ne":
      return `(${target.column} -> ${bind(target, filter.key)}::text IS DISTINCT FROM ${bind(target, JSON.stringify(filter.value))}::jsonb)`;
    case "in":
      return filter.values.length === 0 ? "FALSE" : `(${filter.values.map((value) => compileEq(filter.key, value, target)).join(" OR ")})`;
    case "contains":
      return compileContains(filter.key, filter.values, target);
    case "exists": {
      const test = `${target.column} ? ${bind(target, filter.key)}::text`;
      return filter.present ? `(${test})` : `(NOT ${test})`;
    }
  }
}

/**
 * ANDs the children, folding every scalar equality and scalar membership into
 * as few containment documents as possible (one, unless a key repeats).
 */
function compileAnd(children: readonly FilterExpr[], target: SqlTarget): string {
  const documents: Map<string, JsonValue>[] = [];
  const rest: string[] = [];
  const addToDocument = (key: string, value: JsonValue) => {
    let document = documents.find((candidate) => !candidate.has(key));
    if (document === undefined) {
      document = new Map();
      documents.push(document);
    }
    document.set(key, value);
  };
  for (const child of children) {
    if (child.op === "eq" && isScalar(child.value) && !isIndexedKey(target, child.key)) {
      addToDocument(child.key, child.value);
    } else if (child.op === "contains" && child.values.length > 0 && child.values.every(isScalar)) {
      addToDocument(child.key, [...child.values]);
    } else {
      rest.push(compileFilter(child, target));
    }
  }
  const terms = [...documents.map((document) => containment(target, document)), ...rest];
  if (terms.length === 0) return "TRUE";
  return terms.length === 1 ? terms[0]! : `(${terms.join(" AND ")})`;
}

function compileEq(key: string, value: JsonValue, target: SqlTarget): string {
  if (isScalar(value) && isIndexedKey(target, key)) {
    // For a scalar, containment and equality agree: {"k":["x"]} contains neither "x" nor equals it.
    return `(${target.column} -> ${indexedKeyLiteral(key)}) = ${bind(target, JSON.stringify(value))}::jsonb`;
  }
  const narrow = containment(target, new Map([[key, value]]));
  if (isScalar(value)) return narrow;
  return `(${narrow} AND ${target.column} -> ${bind(target, key)}::text = ${bind(target, JSON.stringify(value))}::jsonb)`;
}

function compileContains(key: string, values: readonly JsonValue[], target: SqlTarget): string {
  const field = () => `${target.column} -> ${bind(target, key)}::text`;
  if (values.length === 0) return `(jsonb_typeof(${field()}) = 'array')`;
  const scalars = values.filter(isScalar);
  const terms = scalars.length > 0 ? [containment(target, new Map([[key, scalars]]))] : [];
  for (const value of values.filter((candidate) => !isScalar(candidate))) {
    const elements = `CASE WHEN jsonb_typeof(${field()}) = 'array' THEN ${field()} ELSE '[]'::jsonb END`;
    terms.push(
      `(${containment(target, new Map([[key, [value]]]))} AND EXISTS (SELECT 1 FROM jsonb_array_elements(${elements}) AS element WHERE element = ${bind(target, JSON.stringify(value))}::jsonb))`,
    );
  }
  return terms.length === 1 ? terms[0]! : `(${terms.join(" AND ")})`;
}

function containment(target: SqlTarget, document: Map<string, JsonValue>): string {
  const operand = `${bind(target, jsonObjectText(document))}::jsonb`;
  return target.checksOnly ? `jsonb_contains(${target.column}, ${operand})` : `${target.column} @> ${operand}`;
}

/** Whether scalar equality on `key` compiles to the expression its btree index serves. */
function isIndexedKey(target: SqlTarget, key: string): boolean {
  return !target.checksOnly && target.indexedKeys?.has(key) === true;
}

/**
 * Serializes entries as a JSON object without building a JS object, so keys
 * such as "__proto__" stay ordinary keys.
 */
function jsonObjectText(entries: Map<string, JsonValue>): string {
  return `{${[...entries].map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(",")}}`;
}

/**
 * An indexed key as SQL text: an expression index only serves a query whose
 * expression matches it exactly, so the key cannot be a bind parameter. Only
 * keys written in code reach here, and only plain identifiers pass.
 */
function indexedKeyLiteral(key: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(key)) throw new Error(`indexed metadata key ${JSON.stringify(key)} must be a lower-case identifier`);
  return `'${key}'`;
}

function bind(target: SqlTarget, value: unknown): string {
  return `$${target.params.push(value)}`;
}
