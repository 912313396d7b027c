import { create, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { CreateThreadRequestSchema } from "@gatehouse/contracts";
import { describe, expect, it } from "vitest";
import { decodeRequest, findStructProtoKey, structProblemOf } from "./struct-proto-keys.js";

/** A google.protobuf.Struct encoded by hand, since protobuf-es itself cannot encode a "__proto__" key. */
function struct(entries: [string, Uint8Array][]): Uint8Array {
  const writer = new BinaryWriter();
  for (const [key, value] of entries) writer.tag(1, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string(key).tag(2, WireType.LengthDelimited).bytes(value).join();
  return writer.finish();
}
const structValue = (bytes: Uint8Array) => new BinaryWriter().tag(5, WireType.LengthDelimited).bytes(bytes).finish();
const stringValue = (text: string) => new BinaryWriter().tag(3, WireType.LengthDelimited).string(text).finish();
const listValue = (values: Uint8Array[]) => {
  const list = new BinaryWriter();
  for (const value of values) list.tag(1, WireType.LengthDelimited).bytes(value);
  return new BinaryWriter().tag(6, WireType.LengthDelimited).bytes(list.finish()).finish();
};
/** A CreateThreadRequest (metadata = 2) with this metadata Struct. */
const request = (metadata: Uint8Array) => new BinaryWriter().tag(2, WireType.LengthDelimited).bytes(metadata).finish();

describe("findStructProtoKey", () => {
  it("finds a nested __proto__ key, which decoding would silently drop", () => {
    const bytes = request(struct([["a", structValue(struct([["__proto__", structValue(struct([["admin", stringValue("yes")]]))]]))]]));
    expect(findStructProtoKey(CreateThreadRequestSchema, bytes)).toBe("metadata.a.__proto__");
    const decoded = decodeRequest(CreateThreadRequestSchema, bytes) as { metadata: Record<string, unknown> };
    expect(decoded.metadata).toEqual({ a: {} });
    expect(structProblemOf(decoded)).toEqual({ path: "metadata.a.__proto__", problem: 'the key "__proto__" is not allowed' });
  });

  it("finds one inside a list, and names the element", () => {
    const bytes = request(struct([["l", listValue([stringValue("x"), structValue(struct([["__proto__", stringValue("p")]]))])]]));
    expect(findStructProtoKey(CreateThreadRequestSchema, bytes)).toBe("metadata.l[1].__proto__");
  });

  it("lets a __proto__ that is a value, not a key, pass", () => {
    const bytes = request(struct([["name", stringValue("__proto__")]]));
    expect(findStructProtoKey(CreateThreadRequestSchema, bytes)).toBeUndefined();
    expect(structProblemOf(decodeRequest(CreateThreadRequestSchema, bytes))).toBeUndefined();
  });

  it("passes ordinary requests untouched", () => {
    const bytes = toBinary(CreateThreadRequestSchema, create(CreateThreadRequestSchema, { metadata: { a: { b: [1, "c"] } } }));
    expect(findStructProtoKey(CreateThreadRequestSchema, bytes)).toBeUndefined();
  });

  it("turns a request too deep for protobuf-es to decode into one that names the field and the limit", () => {
    let value = new BinaryWriter().tag(2, WireType.Bit64).double(1).finish();
    let metadata = struct([]);
    for (let level = 0; level < 200; level++) {
      metadata = struct([["a", value]]);
      value = structValue(metadata);
    }
    const decoded = decodeRequest(CreateThreadRequestSchema, request(metadata));
    expect(structProblemOf(decoded)).toEqual({ path: `metadata${".a".repeat(32)}`, problem: "nests deeper than 32 levels" });
  });
});
