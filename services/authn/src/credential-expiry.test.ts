import { describe, expect, it } from "vitest";
import { InvalidExpiryError, readExpiry } from "./credential-expiry.js";

describe("readExpiry", () => {
  it("reads epoch seconds, as a JWT's exp is written", () => {
    expect(readExpiry({ identity: "u", expires_at: 1_900_000_000 })).toEqual({
      result: { identity: "u", expires_at: 1_900_000_000 },
      expiresAtMs: 1_900_000_000_000,
    });
  });

  it("reads a Date and leaves epoch seconds on the user, which JSON and protobuf can carry", () => {
    const { result, expiresAtMs } = readExpiry({ identity: "u", expires_at: new Date(1_900_000_000_500) });
    expect(expiresAtMs).toBe(1_900_000_000_500);
    expect(result).toEqual({ identity: "u", expires_at: 1_900_000_000.5 });
  });

  it("finds no expiry on a string identity, a user without one, or a null one", () => {
    expect(readExpiry("user1").expiresAtMs).toBeUndefined();
    expect(readExpiry({ identity: "u" }).expiresAtMs).toBeUndefined();
    expect(readExpiry({ identity: "u", expires_at: null }).expiresAtMs).toBeUndefined();
  });

  it.each([["a string", "2030-01-01"], ["NaN", Number.NaN], ["Infinity", Number.POSITIVE_INFINITY], ["an invalid Date", new Date("nope")], ["an object", {}]])(
    "refuses %s, since a misread expiry could keep a credential alive",
    (_, value) => {
      expect(() => readExpiry({ identity: "u", expires_at: value })).toThrow(InvalidExpiryError);
    },
  );
});
