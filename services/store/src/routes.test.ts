import { describe, expect, it } from "vitest";
import { AssistantService, AuthzService, CronService, ItemService, RunService, ThreadService } from "@gatehouse/contracts";
import { declaredEvent } from "./guarded-service.js";

describe("auth events declared in the contract", () => {
  it.each([
    { service: ThreadService, resource: "threads" },
    { service: AssistantService, resource: "assistants" },
    { service: RunService, resource: "threads" },
    { service: CronService, resource: "crons" },
    { service: ItemService, resource: "store" },
  ] as const)("every method of $service.typeName declares one", ({ service, resource }) => {
    for (const method of service.methods) {
      const { resource: declared, action } = declaredEvent(method, resource);
      expect(`${declared}:${action}`).toMatch(/^(threads|assistants|crons|store):[a-z_]+$/);
    }
  });

  it("a method without an auth_event option cannot be served, and the error names it", () => {
    expect(() => declaredEvent(AuthzService.methods[0]!, "threads")).toThrow(/gatehouse\.authz\.v1\.AuthzService\.Authorize declares no auth_event/);
  });
});
