/**
 * The launcher (`startCluster`, `npm start`) sets only variables the service
 * it starts declares in its config.ts, so a renamed setting cannot leave the
 * launcher setting a name nobody reads.
 */
import { clusterVariables } from "@gatehouse/launcher";
import { describe, expect, it } from "vitest";
import { combinedConfig } from "../../services/combined/src/config.js";
import { declaredVariables } from "./declared-config.js";

describe("the launcher's variables", () => {
  it("are each declared by the service the launcher sets them for", () => {
    for (const service of ["authn", "authz", "store", "worker", "gateway"] as const) {
      const undeclared = Object.values(clusterVariables[service]).filter((variable) => !declaredVariables(service).has(variable));
      expect(undeclared, `${service} does not declare`).toEqual([]);
    }
  });

  it("share with every service only what each of them declares", () => {
    for (const service of ["authn", "store", "gateway"]) {
      expect(Object.values(clusterVariables.shared).filter((variable) => !declaredVariables(service).has(variable)), service).toEqual([]);
    }
    expect(declaredVariables("authz").has(clusterVariables.shared.config)).toBe(true);
  });

  it("name the combined process's own switches as it declares them", () => {
    expect(Object.values(clusterVariables.combined).filter((variable) => !combinedConfig.envNames().includes(variable))).toEqual([]);
  });
});
