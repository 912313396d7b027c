import { create, fromBinary, type DescMessage } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

const marker = Buffer.from("__proto__");

/** What a request held that decoding hides or cannot decode, and where. */
export interface StructProblem {
  /** The place, as `metadata.a.__proto__`. */
  path: string;
  problem: string;
}

const found = new WeakMap<object, StructProblem>();

/** The deepest Struct nesting decodeRequest looks into (the field itself being level 1), as the store allows. */
const maxStructDepth = 32;
// Plain messages can nest (a Filter's and/or); past this the scan gives up rather than recurse on.
const maxMessageDepth = 64;

/**
 * Finds a "__proto__" key in any google.protobuf.Struct of an encoded
 * message and returns its path (`metadata.a.__proto__`), or undefined.
 * protobuf-es decodes a Struct into a plain object, where assigning the key
 * "__proto__" sets the object's prototype instead of adding the key: the key
 * would vanish without a trace, so it must be looked for in the bytes.
 */
export function findStructProtoKey(schema: DescMessage, bytes: Uint8Array): string | undefined {
  // Cheap first: most messages do not hold the text at all.
  if (!Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(marker)) return undefined;
  return findStructProblem(schema, bytes)?.path;
}

/**
 * Finds the first Struct, Value or ListValue in an encoded message that
 * holds a "__proto__" key or nests deeper than 32 levels, with its path.
 */
export function findStructProblem(schema: DescMessage, bytes: Uint8Array): StructProblem | undefined {
  return scanMessage(schema, bytes, "", 0);
}

/**
 * Decodes a request like fromBinary, but never loses what the store must
 * refuse by name: a Struct key "__proto__" (which decoding drops) and
 * nesting so deep that decoding fails (protobuf-es stops at 100 messages
 * deep, which grpc-js would answer as a bare INTERNAL). Either is remembered
 * for structProblemOf; a request too deep to decode becomes an empty
 * message carrying the problem, so the service answers INVALID_ARGUMENT.
 */
export function decodeRequest(schema: DescMessage, bytes: Uint8Array): object {
  let message: object;
  try {
    message = fromBinary(schema, bytes);
  } catch (error) {
    const problem = findStructProblem(schema, bytes);
    if (problem === undefined) throw error;
    message = create(schema);
    found.set(message, problem);
    return message;
  }
  const path = findStructProtoKey(schema, bytes);
  if (path !== undefined) found.set(message, { path, problem: 'the key "__proto__" is not allowed' });
  return message;
}

/** What decodeRequest found in a request that decoding hides, if anything. */
export function structProblemOf(message: object): StructProblem | undefined {
  return found.get(message);
}

function scanMessage(schema: DescMessage, bytes: Uint8Array, path: string, depth: number): StructProblem | undefined {
  switch (schema.typeName) {
    case "google.protobuf.Struct":
      return scanStruct(bytes, path, 1);
    case "google.protobuf.Value":
      return scanValue(bytes, path, 0);
    case "google.protobuf.ListValue":
      return scanList(bytes, path, 1);
  }
  if (depth > maxMessageDepth) return undefined;
  const reader = new BinaryReader(bytes);
  const seen = new Map<number, number>();
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    const field = schema.fields.find((each) => each.number === number);
    const message = field?.fieldKind === "message" || (field?.fieldKind === "list" && field.listKind === "message") ? field.message : undefined;
    if (field === undefined || message === undefined || wireType !== WireType.LengthDelimited) {
      reader.skip(wireType, number);
      continue;
    }
    const n = seen.get(number) ?? 0;
    seen.set(number, n + 1);
    const name = field.fieldKind === "list" ? `${path}${field.name}[${n}]` : `${path}${field.name}`;
    const hit = scanMessage(message, reader.bytes(), name, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}

function tooDeep(path: string, level: number): StructProblem | undefined {
  return level > maxStructDepth ? { path, problem: `nests deeper than ${maxStructDepth} levels` } : undefined;
}

function scanStruct(bytes: Uint8Array, path: string, level: number): StructProblem | undefined {
  const deep = tooDeep(path, level);
  if (deep) return deep;
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (number !== 1 || wireType !== WireType.LengthDelimited) {
      reader.skip(wireType, number);
      continue;
    }
    const entry = new BinaryReader(reader.bytes());
    let key = "";
    let value: Uint8Array | undefined;
    while (entry.pos < entry.len) {
      const [entryNumber, entryWireType] = entry.tag();
      if (entryNumber === 1 && entryWireType === WireType.LengthDelimited) key = entry.string();
      else if (entryNumber === 2 && entryWireType === WireType.LengthDelimited) value = entry.bytes();
      else entry.skip(entryWireType, entryNumber);
    }
    const child = path === "" ? key : `${path}.${key}`;
    if (key === "__proto__") return { path: child, problem: 'the key "__proto__" is not allowed' };
    const hit = value === undefined ? undefined : scanValue(value, child, level);
    if (hit) return hit;
  }
  return undefined;
}

/** A Value inside a container at `level`; a Struct or list in it is one level deeper. */
function scanValue(bytes: Uint8Array, path: string, level: number): StructProblem | undefined {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    // struct_value = 5, list_value = 6.
    if (number === 5 && wireType === WireType.LengthDelimited) return scanStruct(reader.bytes(), path, level + 1);
    if (number === 6 && wireType === WireType.LengthDelimited) return scanList(reader.bytes(), path, level + 1);
    reader.skip(wireType, number);
  }
  return undefined;
}

function scanList(bytes: Uint8Array, path: string, level: number): StructProblem | undefined {
  const deep = tooDeep(path, level);
  if (deep) return deep;
  const reader = new BinaryReader(bytes);
  let n = 0;
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (number !== 1 || wireType !== WireType.LengthDelimited) {
      reader.skip(wireType, number);
      continue;
    }
    const hit = scanValue(reader.bytes(), `${path}[${n++}]`, level);
    if (hit) return hit;
  }
  return undefined;
}
