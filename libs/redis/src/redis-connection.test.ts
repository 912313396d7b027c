import { afterEach, describe, expect, it, vi } from "vitest";
import { parseAddresses, redisTargetFromEnv } from "./redis-connection.js";

describe("redisTargetFromEnv", () => {
  afterEach(() => vi.unstubAllEnvs());
  const env = (values: Record<string, string>) => {
    for (const name of ["REDIS_URL", "REDIS_CLUSTER_NODES", "REDIS_SENTINELS", "REDIS_SENTINEL_NAME"]) vi.stubEnv(name, values[name] ?? "");
  };

  it("names no Redis when none of the variables is set", () => {
    env({});
    expect(redisTargetFromEnv()).toBeUndefined();
  });

  it("reads a single Redis, a cluster's nodes, or Sentinels with the master set's name", () => {
    env({ REDIS_URL: "redis://cache:6379" });
    expect(redisTargetFromEnv()).toEqual({ kind: "standalone", url: "redis://cache:6379" });
    env({ REDIS_CLUSTER_NODES: "10.0.0.1:7000, 10.0.0.2:7001" });
    expect(redisTargetFromEnv()).toEqual({ kind: "cluster", nodes: [{ host: "10.0.0.1", port: 7000 }, { host: "10.0.0.2", port: 7001 }] });
    env({ REDIS_SENTINELS: "s1:26379,[fd00::3]:26379", REDIS_SENTINEL_NAME: "gatehouse" });
    expect(redisTargetFromEnv()).toEqual({
      kind: "sentinel",
      sentinels: [{ host: "s1", port: 26379 }, { host: "fd00::3", port: 26379 }],
      name: "gatehouse",
    });
  });

  it("refuses two Redis variables at once, and Sentinels without a name, naming the variables", () => {
    env({ REDIS_URL: "redis://cache:6379", REDIS_CLUSTER_NODES: "a:1" });
    expect(() => redisTargetFromEnv()).toThrow("REDIS_URL and REDIS_CLUSTER_NODES are set");
    env({ REDIS_SENTINELS: "s1:26379" });
    expect(() => redisTargetFromEnv()).toThrow("REDIS_SENTINEL_NAME must name the master set");
    env({ REDIS_SENTINEL_NAME: "gatehouse" });
    expect(() => redisTargetFromEnv()).toThrow("REDIS_SENTINELS is not");
  });
});

describe("parseAddresses", () => {
  it("names the variable and the item that is not host:port", () => {
    expect(() => parseAddresses("REDIS_CLUSTER_NODES", "a:1,b")).toThrow('REDIS_CLUSTER_NODES: "b" is not host:port');
    expect(() => parseAddresses("REDIS_CLUSTER_NODES", "a:70000")).toThrow('"a:70000" is not host:port');
    expect(() => parseAddresses("REDIS_SENTINELS", " , ")).toThrow("REDIS_SENTINELS lists no host:port");
  });
});
