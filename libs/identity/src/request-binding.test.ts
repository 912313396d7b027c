import { describe, expect, it } from "vitest";
import { isCachedIdentity } from "./cached-identity.js";
import { bindingFromProto, bindingHolds, bindingToProto, bindRequest, isRequestBinding } from "./request-binding.js";

const secret = Buffer.from("binding-test-secret");
const credentialHeaders = ["authorization"];
const path = "/gatehouse.store.v1.ThreadService/GetThread";
const headers = (values: Record<string, string>) => new Headers({ authorization: "Bearer t", ...values });

describe("bindRequest", () => {
  it("binds nothing when only the credential headers were read", () => {
    expect(bindRequest(secret, { headers: new Set(["authorization"]), path: false }, credentialHeaders, headers({ "x-tenant": "a" }), path)).toBeUndefined();
  });

  it("binds a header the callback read: the verdict holds for the same value and not for another or none", () => {
    const binding = bindRequest(secret, { headers: new Set(["x-tenant", "authorization"]), path: false }, credentialHeaders, headers({ "x-tenant": "a" }), path)!;
    expect(binding.headers).toEqual(["x-tenant"]);
    expect(bindingHolds(secret, binding, headers({ "x-tenant": "a", "x-other": "1" }), "/other")).toBe(true);
    expect(bindingHolds(secret, binding, headers({ "x-tenant": "b" }), path)).toBe(false);
    expect(bindingHolds(secret, binding, headers({}), path)).toBe(false);
  });

  it("tells an absent header from an empty one", () => {
    const binding = bindRequest(secret, { headers: new Set(["x-tenant"]), path: false }, credentialHeaders, headers({}), path)!;
    expect(bindingHolds(secret, binding, headers({}), path)).toBe(true);
    expect(bindingHolds(secret, binding, headers({ "x-tenant": "" }), path)).toBe(false);
  });

  it("binds the path when the callback read it", () => {
    const binding = bindRequest(secret, { headers: new Set(), path: true }, credentialHeaders, headers({}), path)!;
    expect(bindingHolds(secret, binding, headers({ "x-tenant": "z" }), path)).toBe(true);
    expect(bindingHolds(secret, binding, headers({}), "/gatehouse.store.v1.ThreadService/DeleteThread")).toBe(false);
  });

  it("binds every header after a walk over them all, except the per-call trace and transport headers", () => {
    const binding = bindRequest(secret, { headers: "all", path: false }, credentialHeaders, headers({ "x-a": "1", "x-request-id": "r1" }), path)!;
    expect(binding.headers).toBe("all");
    expect(bindingHolds(secret, binding, headers({ "x-a": "1", "x-request-id": "r2", traceparent: "00-x", "grpc-timeout": "1S" }), path)).toBe(true);
    expect(bindingHolds(secret, binding, headers({ "x-a": "1", "x-b": "2" }), path)).toBe(false);
    expect(bindingHolds(secret, binding, headers({ "x-a": "2" }), path)).toBe(false);
  });

  it("depends on the secret, so a binding cannot be forged without it", () => {
    const reads = { headers: new Set(["x-tenant"]), path: false };
    const binding = bindRequest(secret, reads, credentialHeaders, headers({ "x-tenant": "a" }), path)!;
    expect(bindingHolds(Buffer.from("another-secret"), binding, headers({ "x-tenant": "a" }), path)).toBe(false);
  });

  it("survives the wire form unchanged", () => {
    const some = bindRequest(secret, { headers: new Set(["x-b", "x-a"]), path: true }, credentialHeaders, headers({}), path)!;
    const all = bindRequest(secret, { headers: "all", path: false }, credentialHeaders, headers({}), path)!;
    for (const binding of [some, all]) {
      expect(bindingFromProto({ $typeName: "gatehouse.authn.v1.RequestBinding", ...bindingToProto(binding) } as never)).toEqual(binding);
    }
  });
});

describe("a cached entry's binding read back from the shared store", () => {
  const user = { identity: "u", display_name: "u", is_authenticated: true, permissions: [] };
  it("is accepted when well formed and rejects the whole entry when not, so it cannot answer every request", () => {
    const binding = { headers: ["x-tenant"], path: false, digest: "ab" };
    expect(isRequestBinding(binding)).toBe(true);
    expect(isCachedIdentity({ kind: "user", user, cacheUntil: 1, binding })).toBe(true);
    expect(isCachedIdentity({ kind: "user", user, cacheUntil: 1, binding: { headers: "some", path: false, digest: "ab" } })).toBe(false);
    expect(isCachedIdentity({ kind: "user", user, cacheUntil: 1, binding: { headers: [], path: "yes", digest: "ab" } })).toBe(false);
  });
});
