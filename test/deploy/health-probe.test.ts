/**
 * The health probe the compose file's health checks run, against real
 * services started as operators run them and against an in-test server whose
 * health the test controls.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthzService } from "@gatehouse/contracts";
import { startServiceProcess, type ServiceProcess } from "@gatehouse/launcher";
import { addOperations, listen, shutdown, type HealthReporter } from "@gatehouse/server";
import { fromRoot } from "../support/test-gatehouse.js";

/** Variables that would change what the probe or the services do, cleared so the host's own settings cannot leak in. */
const cleared = { GATEHOUSE_TLS_CA: "", GATEHOUSE_TLS_CERT: "", GATEHOUSE_TLS_KEY: "", REDIS_URL: "", METRICS_PORT: "" };

interface ProbeResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the probe as a container's health check does and waits for its exit. */
function probe(args: string[], env: Record<string, string> = {}): Promise<ProbeResult> {
  const child = spawn(process.execPath, ["--import", "tsx", fromRoot("libs/server/scripts/health-probe.ts"), ...args], {
    cwd: fromRoot("."),
    env: { ...process.env, ...cleared, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("the health probe against real services", () => {
  let authn: ServiceProcess;
  let authz: ServiceProcess;
  let gateway: ServiceProcess;

  beforeAll(async () => {
    const env = { ...cleared, GATEHOUSE_CONFIG: fromRoot("gatehouse.json"), LOG_LEVEL: "silent" };
    [authn, authz, gateway] = await Promise.all([
      startServiceProcess({ name: "authn", env: { ...env, AUTHN_PORT: "0" } }),
      startServiceProcess({ name: "authz", env: { ...env, AUTHZ_PORT: "0" } }),
      startServiceProcess({ name: "gateway", env: { ...env, GATEWAY_PORT: "0", STORE_TARGET: `127.0.0.1:${await closedPort()}` } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([authn?.stop(), authz?.stop(), gateway?.stop()]);
  });

  it("exits 0 and prints SERVING when authz reports SERVING, for the server and for its service", async () => {
    expect(await probe([authz.address])).toEqual({ code: 0, stdout: "SERVING\n", stderr: "" });
    expect(await probe([authz.address, "gatehouse.authz.v1.AuthzService"])).toEqual({ code: 0, stdout: "SERVING\n", stderr: "" });
  });

  it("exits 1 naming NOT_FOUND for a service the server does not know", async () => {
    const result = await probe([authz.address, "no.such.Service"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^unhealthy: NOT_FOUND: .*\n$/);
  });

  it("with --connect, exits 0 once a server accepts a connection", async () => {
    expect(await probe(["--connect", authn.address])).toEqual({ code: 0, stdout: "READY\n", stderr: "" });
  });

  it("exits 0 on authn, which serves while its optional Redis is not even configured", async () => {
    expect(await probe([authn.address, "gatehouse.authn.v1.AuthnService"])).toEqual({ code: 0, stdout: "SERVING\n", stderr: "" });
  });

  it("exits 0 when the gateway answers GET /ok, even with its store down", async () => {
    expect(await probe([`http://${gateway.address}/ok`])).toEqual({ code: 0, stdout: "HTTP 200\n", stderr: "" });
  });

  it("exits 1 naming the status when the gateway answers an HTTP error", async () => {
    // A built-in path under a method it does not serve: 405 whatever the store's state. An unknown
    // path would go to gatehouse.json's custom routes, which authenticate first and so need the store.
    expect(await probe([`http://${gateway.address}/store/namespaces`])).toEqual({
      code: 1,
      stdout: "",
      stderr: `unhealthy: GET http://${gateway.address}/store/namespaces: HTTP 405\n`,
    });
  });
});

describe("the health probe against a server that is not serving or not there", () => {
  const server = new grpc.Server();
  let health: HealthReporter;
  let address: string;

  beforeAll(async () => {
    health = addOperations(server, [AuthzService]);
    address = `127.0.0.1:${await listen(server, "127.0.0.1", 0)}`;
  });
  afterAll(async () => shutdown(server, 1_000));

  it("exits 1 with a one-line reason while the server reports NOT_SERVING, and 0 once it serves", async () => {
    expect(await probe([address])).toEqual({ code: 1, stdout: "", stderr: "unhealthy: server is NOT_SERVING\n" });
    expect(await probe([address, "gatehouse.authz.v1.AuthzService"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "unhealthy: gatehouse.authz.v1.AuthzService is NOT_SERVING\n",
    });
    health.setServing(true);
    expect((await probe([address])).code).toBe(0);
    health.setServing(false);
    expect((await probe([address])).code).toBe(1);
  });

  it("exits 1 with UNAVAILABLE when nothing listens, within its deadline", async () => {
    const started = Date.now();
    const result = await probe(["--deadline-ms=1000", `127.0.0.1:${await closedPort()}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^unhealthy: UNAVAILABLE: .*ECONNREFUSED.*\n$/);
    expect(result.stderr.split("\n")).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("with --connect, exits 1 when no connection opens before the deadline", async () => {
    const result = await probe(["--connect", "--deadline-ms=300", `127.0.0.1:${await closedPort()}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^unhealthy: no connection to 127\.0\.0\.1:\d+: .*\n$/);
  });

  it("exits 1 when only part of the mutual-TLS configuration is set, naming what is missing", async () => {
    expect(await probe([address], { GATEHOUSE_TLS_CA: "/certs/ca.pem" })).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "unhealthy: GATEHOUSE_TLS_CA, GATEHOUSE_TLS_CERT, GATEHOUSE_TLS_KEY turn on mutual TLS together: set all three or none (GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY unset)\n",
    });
  });

  it("exits 1 naming the file when a mutual-TLS file cannot be read, instead of dialing in plaintext", async () => {
    const missing = fromRoot("no-such-dir/ca.pem");
    const result = await probe([address], { GATEHOUSE_TLS_CA: missing, GATEHOUSE_TLS_CERT: missing, GATEHOUSE_TLS_KEY: missing });
    expect(result).toMatchObject({ code: 1, stdout: "" });
    expect(result.stderr.startsWith(`unhealthy: GATEHOUSE_TLS_CA: cannot read ${missing}: ENOENT`), result.stderr).toBe(true);
  });

  it("with --plaintext, dials a plaintext server although the container holds TLS settings for its own calls", async () => {
    const missing = fromRoot("no-such-dir/ca.pem");
    const tls = { GATEHOUSE_TLS_CA: missing, GATEHOUSE_TLS_CERT: missing, GATEHOUSE_TLS_KEY: missing };
    health.setServing(true);
    try {
      expect(await probe(["--plaintext", address], tls)).toEqual({ code: 0, stdout: "SERVING\n", stderr: "" });
    } finally {
      health.setServing(false);
    }
  });

  it("exits 1 with the usage line when called without a target", async () => {
    expect(await probe([])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^unhealthy: usage: health-probe /) });
  });
});
