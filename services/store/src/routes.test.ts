import { describe, expect, it } from "vitest";
import { AssistantService, AuthzService, CronService, ItemService, RunService, ThreadService } from "@gatehouse/contracts";
import { authEventOf } from "./access-guard.js";

describe("auth events declared in the contract", () => {
  it.each([ThreadService, AssistantService, RunService, CronService, ItemService])("every method of $typeName declares one", (service) => {
    for (const method of service.methods) {
      const { resource, action } = authEventOf(method);
      expect(`${resource}:${action}`).toMatch(/^(threads|assistants|crons|store):[a-z_]+$/);
    }
  });

  it("a method without an auth_event option cannot be served, and the error names it", () => {
    expect(() => authEventOf(AuthzService.methods[0]!)).toThrow(/gatehouse\.authz\.v1\.AuthzService\.Authorize declares no auth_event/);
  });
});
