import { fromBinary, type DescMessage } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

const marker = Buffer.from("__proto__");
const found = new WeakMap<object, string>();

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
  return scanMessage(schema, bytes, "");
}

/**
 * Decodes a request like fromBinary, and remembers where it held a Struct
 * key "__proto__" (see findStructProtoKey), for structProtoKeyOf to report.
 */
export function decodeRequest(schema: DescMessage, bytes: Uint8Array): object {
  const message = fromBinary(schema, bytes);
  const path = findStructProtoKey(schema, bytes);
  if (path !== undefined) found.set(message, path);
  return message;
}

/** Where a request decoded by decodeRequest held a Struct key "__proto__", if it did. */
export function structProtoKeyOf(message: object): string | undefined {
  return found.get(message);
}

function scanMessage(schema: DescMessage, bytes: Uint8Array, path: string): string | undefined {
  switch (schema.typeName) {
    case "google.protobuf.Struct":
      return scanStruct(bytes, path);
    case "google.protobuf.Value":
      return scanValue(bytes, path);
    case "google.protobuf.ListValue":
      return scanList(bytes, path);
  }
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
    const hit = scanMessage(message, reader.bytes(), name);
    if (hit) return hit;
  }
  return undefined;
}

function scanStruct(bytes: Uint8Array, path: string): string | undefined {
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
    if (key === "__proto__") return child;
    const hit = value === undefined ? undefined : scanValue(value, child);
    if (hit) return hit;
  }
  return undefined;
}

function scanValue(bytes: Uint8Array, path: string): string | undefined {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    // struct_value = 5, list_value = 6.
    if (number === 5 && wireType === WireType.LengthDelimited) return scanStruct(reader.bytes(), path);
    if (number === 6 && wireType === WireType.LengthDelimited) return scanList(reader.bytes(), path);
    reader.skip(wireType, number);
  }
  return undefined;
}

function scanList(bytes: Uint8Array, path: string): string | undefined {
  const reader = new BinaryReader(bytes);
  let n = 0;
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (number !== 1 || wireType !== WireType.LengthDelimited) {
      reader.skip(wireType, number);
      continue;
    }
    const hit = scanValue(reader.bytes(), `${path}[${n++}]`);
    if (hit) return hit;
  }
  return undefined;
}
