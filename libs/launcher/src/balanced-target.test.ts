import { describe, expect, it } from "vitest";
import { balancedTarget } from "./balanced-target.js";

describe("balancedTarget", () => {
  it("keeps the address of a single replica as it is", () => {
    expect(balancedTarget(["127.0.0.1:50051"])).toBe("127.0.0.1:50051");
    expect(balancedTarget(["localhost:50051"])).toBe("localhost:50051");
  });

  it("lists several IPv4 replicas after the ipv4 scheme", () => {
    expect(balancedTarget(["127.0.0.1:50051", "127.0.0.1:50061"])).toBe("ipv4:127.0.0.1:50051,127.0.0.1:50061");
  });

  it("brackets several IPv6 replicas after the ipv6 scheme, whether or not they came bracketed", () => {
    expect(balancedTarget(["::1:50051", "[::1]:50061"])).toBe("ipv6:[::1]:50051,[::1]:50061");
  });

  it("refuses several replicas on a host name, or on mixed address families", () => {
    expect(() => balancedTarget(["localhost:50051", "localhost:50061"])).toThrow(/IP addresses/);
    expect(() => balancedTarget(["127.0.0.1:50051", "::1:50061"])).toThrow(/one family/);
  });

  it("refuses an empty list and an address without a port", () => {
    expect(() => balancedTarget([])).toThrow(/at least one/);
    expect(() => balancedTarget(["127.0.0.1", "127.0.0.2"])).toThrow(/host:port/);
  });
});
