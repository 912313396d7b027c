import { describe, expect, it } from "vitest";
import { findJsonProblem } from "./json-problem.js";

function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe("findJsonProblem", () => {
  it("accepts plain JSON", () => {
    expect(findJsonProblem({ a: [1, "x", null, { b: true }] }, "metadata")).toBeUndefined();
  });

  it("names the path of a NaN or infinite number", () => {
    expect(findJsonProblem({ a: { b: Number.NaN } }, "metadata")).toEqual({ path: "metadata.a.b", problem: "NaN is not a JSON number" });
    expect(findJsonProblem({ a: [0, Infinity] }, "values")).toEqual({ path: "values.a[1]", problem: "Infinity is not a JSON number" });
    expect(findJsonProblem(-Infinity, "input")?.path).toBe("input");
  });

  it("allows 32 levels of nesting and refuses 33", () => {
    expect(findJsonProblem(nested(32), "metadata")).toBeUndefined();
    expect(findJsonProblem(nested(33), "metadata")).toEqual({
      path: `metadata${".a".repeat(32)}`,
      problem: "nests deeper than 32 levels",
    });
    expect(findJsonProblem(nested(5), "metadata", 4)?.problem).toBe("nests deeper than 4 levels");
  });

  it("refuses a __proto__ key held as data, naming it", () => {
    const value = JSON.parse('{"a":{"__proto__":{"admin":true}}}') as unknown;
    expect(findJsonProblem(value, "metadata")).toEqual({ path: "metadata.a.__proto__", problem: 'the key "__proto__" is not allowed' });
  });

  it("names paths from the root when the path is empty", () => {
    expect(findJsonProblem({ metadata: { x: Number.NaN } }, "")?.path).toBe("metadata.x");
  });
});
