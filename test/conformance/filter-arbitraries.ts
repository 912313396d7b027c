/**
 * fast-check generators for the filter differential test: random metadata
 * rows and random valid handler filters over the same few keys, so that
 * filters and rows collide often enough to select some rows and not others.
 */
import type { JsonValue } from "@gatehouse/filters";
import fc from "fast-check";

/** Top-level metadata keys: few, so rows and filters meet, and some of them awkward. */
export const metadataKeys = ["a", "b", "c", "__proto__", "x.y", "ключ 🔑"] as const;

/** Keys of nested objects. "__proto__" is left out: parseFilter rejects it inside operands. */
const nestedKeys = ["a", "b", "c d"] as const;

const loneSurrogate = /[\uD800-\uDFFF]/u;

const strings: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom("", "x", "y", "X", "x ", "é", "e\u0301", "😀", "שלום", "a\\b", 'q"', "null", "0", "true"), weight: 4 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 3 }).filter((text) => !text.includes("\u0000") && !loneSurrogate.test(text)), weight: 1 },
);

const numbers: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.integer({ min: -3, max: 3 }), weight: 4 },
  { arbitrary: fc.constantFrom(-0, 0.5, -1.5, 0.1, 2 ** 53, 1e21, 5e-324, Number.MAX_VALUE), weight: 2 },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
);

/** Strings (with "" and Unicode), numbers (integers, fractions, extremes, -0), booleans and null. */
export const scalarValue: fc.Arbitrary<JsonValue> = fc.oneof(strings, numbers, fc.boolean(), fc.constant(null));

/** A JSON value: mostly scalars, sometimes small arrays and objects, nested up to `depth` levels. */
export const jsonValue: fc.Memo<JsonValue> = fc.memo<JsonValue>((depth): fc.Arbitrary<JsonValue> =>
  depth <= 1
    ? scalarValue
    : fc.oneof(
        { arbitrary: scalarValue, weight: 4 },
        { arbitrary: fc.array(jsonValue(depth - 1), { maxLength: 3 }), weight: 1 },
        { arbitrary: entries(nestedKeys, jsonValue(depth - 1), 3), weight: 1 },
      ),
);

/** A metadata row as JSON text: up to four of the metadata keys with random values. */
export const metadataRow: fc.Arbitrary<string> = entries(metadataKeys, jsonValue(3), 4).map((row) => JSON.stringify(row));

/**
 * A valid handler filter over the metadata keys, using every operator, with
 * operands drawn mostly from the values (and array elements) `rows` hold
 * under the same key.
 */
export function handlerFilter(rows: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const parsed = rows.map((text) => JSON.parse(text) as Record<string, JsonValue>);
  const conditions = metadataKeys.map((key) => {
    const found = parsed.flatMap((row) => (Object.hasOwn(row, key) ? [row[key]!] : []));
    const pool = [...found, ...found.flatMap((value) => (Array.isArray(value) ? value : []))];
    const operand =
      pool.length === 0 ? jsonValue(2) : fc.oneof({ arbitrary: fc.constantFrom(...pool), weight: 4 }, { arbitrary: jsonValue(2), weight: 1 });
    return fc.tuple(fc.constant(key), condition(operand));
  });
  const fields = fc
    .uniqueArray(fc.oneof(...conditions), { minLength: 1, maxLength: 2, selector: ([key]) => key })
    .map((pairs) => Object.fromEntries(pairs));
  const filter: fc.Memo<Record<string, unknown>> = fc.memo((depth): fc.Arbitrary<Record<string, unknown>> => {
    if (depth <= 1) return fields;
    const children: fc.Arbitrary<readonly Record<string, unknown>[]> = fc.oneof(
      { arbitrary: fc.array(filter(depth - 1), { minLength: 1, maxLength: 3 }), weight: 6 },
      { arbitrary: fc.constant([]), weight: 1 },
    );
    return fc.oneof(
      { arbitrary: fields, weight: 6 },
      { arbitrary: fc.constant({}), weight: 1 },
      { arbitrary: children.map((list) => ({ $and: list })), weight: 1 },
      { arbitrary: children.map((list) => ({ $or: list })), weight: 2 },
      { arbitrary: fc.tuple(fields, children).map(([plain, list]) => ({ ...plain, $or: list })), weight: 1 },
    );
  });
  return filter(3);
}

/** A condition on one key, in every operator's form, around operands from `operand`. */
function condition(operand: fc.Arbitrary<JsonValue>): fc.Arbitrary<unknown> {
  return fc.oneof(
    operand,
    operand.map((value) => ({ $eq: value })),
    operand.map((value) => ({ $ne: value })),
    fc.array(operand, { maxLength: 3 }).map((values) => ({ $in: values })),
    operand.map((value) => ({ $contains: value })),
    fc.array(operand, { maxLength: 2 }).map((values) => ({ $contains: values })),
    fc.boolean().map((present) => ({ $exists: present })),
  );
}

/** An object with up to `maxKeys` distinct keys from `keys`; Object.fromEntries keeps "__proto__" an own key. */
function entries<T>(keys: readonly string[], value: fc.Arbitrary<T>, maxKeys: number): fc.Arbitrary<Record<string, T>> {
  return fc
    .uniqueArray(fc.tuple(fc.constantFrom(...keys), value), { maxLength: maxKeys, selector: ([key]) => key })
    .map((pairs) => Object.fromEntries(pairs));
}
