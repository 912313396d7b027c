import { describe, expect, it } from "vitest";
import { namespacePath } from "./item-repo.js";

describe("namespacePath", () => {
  it("joins labels with dots, and refuses a label that holds one rather than name another namespace", () => {
    expect(namespacePath(["alice", "memories"])).toBe("alice.memories");
    expect(() => namespacePath(["alice.memories"])).toThrow("a namespace label contains '.'");
  });
});
