import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { FilterSchema } from "@gatehouse/contracts";
import { describe, expect, it } from "vitest";
import { FilterError } from "./filter-error.js";
import { filterFromProto } from "./filter-proto.js";

function number(value: number) {
  return create(ValueSchema, { kind: { case: "numberValue", value } });
}

/** A filter as it arrives over the wire, with operands protobuf can carry but JSON cannot. */
function received(init: Parameters<typeof create<typeof FilterSchema>>[1]) {
  return fromBinary(FilterSchema, toBinary(FilterSchema, create(FilterSchema, init)));
}

describe("filterFromProto", () => {
  it("refuses a NaN operand rather than matching nulls", () => {
    const filter = received({ expr: { case: "eq", value: { key: "owner", value: number(Number.NaN) } } });
    expect(() => filterFromProto(filter)).toThrow(FilterError);
    expect(() => filterFromProto(filter)).toThrow("a filter operand holds NaN or Infinity");
  });

  it("refuses an infinite number nested inside a list operand", () => {
    const nested = create(ValueSchema, {
      kind: { case: "structValue", value: { fields: { limit: number(Infinity) } } },
    });
    const filter = received({ expr: { case: "in", value: { key: "owner", values: [number(1), nested] } } });
    expect(() => filterFromProto(filter)).toThrow(FilterError);
  });

  it("still decodes finite operands", () => {
    const filter = received({ expr: { case: "eq", value: { key: "n", value: number(2.5) } } });
    expect(filterFromProto(filter)).toEqual({ op: "eq", key: "n", value: 2.5 });
  });
});
