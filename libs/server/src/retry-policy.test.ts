import { describe, expect, it } from "vitest";
import { getOption } from "@bufbuild/protobuf";
import { AssistantService, auth_event, CallerService, CronService, ItemService, RunService, ThreadService } from "@gatehouse/contracts";
import { grpcServiceConfig, methodsWithoutSideEffects, retryPolicy } from "./retry-policy.js";

const storeServices = [ThreadService, AssistantService, RunService, CronService, ItemService, CallerService];

describe("methodsWithoutSideEffects", () => {
  it("names exactly the reads of the thread service, leaving out CopyThread although it raises threads:read", () => {
    expect(methodsWithoutSideEffects([ThreadService])).toEqual([
      { service: "gatehouse.store.v1.ThreadService", method: "GetThread" },
      { service: "gatehouse.store.v1.ThreadService", method: "SearchThreads" },
      { service: "gatehouse.store.v1.ThreadService", method: "CountThreads" },
      { service: "gatehouse.store.v1.ThreadService", method: "GetThreadState" },
      { service: "gatehouse.store.v1.ThreadService", method: "GetThreadHistory" },
    ]);
  });

  it("finds every Get, Search, Count, List and Join method of the store and nothing else", () => {
    const derived = methodsWithoutSideEffects(storeServices).map(({ service, method }) => `${service.split(".").at(-1)}.${method}`);
    const byName = storeServices.flatMap((service) =>
      service.methods.filter((method) => /^(Get|Search|Count|List|Join)/.test(method.name)).map((method) => `${service.name}.${method.name}`),
    );
    expect(derived.sort()).toEqual(byName.sort());
  });

  it("never names a method whose auth event creates, updates, deletes or puts", () => {
    const derived = new Set(methodsWithoutSideEffects(storeServices).map(({ method }) => method));
    for (const service of storeServices) {
      for (const method of service.methods) {
        // CallerService.GetCaller raises no event: it only says who is calling.
        const action = getOption(method, auth_event).split(":")[1];
        if (action !== undefined && !["read", "search", "get", "list_namespaces"].includes(action)) expect(derived.has(method.name), method.name).toBe(false);
      }
    }
  });
});

describe("grpcServiceConfig", () => {
  it("balances round-robin and retries nothing when no call is named", () => {
    expect(grpcServiceConfig({})).toEqual({ loadBalancingConfig: [{ round_robin: {} }], methodConfig: [] });
  });

  it("retries whole services and single methods under one policy on UNAVAILABLE only", () => {
    const config = grpcServiceConfig({
      retryableServices: ["gatehouse.authz.v1.AuthzService"],
      retryableMethods: [{ service: "gatehouse.store.v1.ThreadService", method: "GetThread" }],
    });
    expect(config).toEqual({
      loadBalancingConfig: [{ round_robin: {} }],
      methodConfig: [
        {
          name: [{ service: "gatehouse.authz.v1.AuthzService" }, { service: "gatehouse.store.v1.ThreadService", method: "GetThread" }],
          retryPolicy,
        },
      ],
    });
    expect(retryPolicy.retryableStatusCodes).toEqual(["UNAVAILABLE"]);
  });
});
