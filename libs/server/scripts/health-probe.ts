/**
 * The health check containers run: exits 0 when the service answers healthy,
 * and 1 with a one-line reason on stderr otherwise, within a short deadline.
 *
 *   health-probe <host:port> [service]    grpc.health.v1.Health/Check answers SERVING
 *   health-probe --connect <host:port>    a gRPC connection opens (for servers without the health service)
 *   health-probe <http://host:port/path>  an HTTP GET answers 2xx
 *
 * `--deadline-ms=N` bounds the whole probe (default 2000). When
 * GATEHOUSE_TLS_CA, GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY name PEM files,
 * gRPC probes dial with mutual TLS, as the service's own clients do, unless
 * `--plaintext` says the probed server listens without TLS (the store, which
 * holds those settings for its own calls to authn and authz). Exit code 1
 * for every failure, because orchestrators reserve 2.
 */
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { internalChannelCredentialsFromEnv } from "../src/index.js";

const usage = "usage: health-probe [--deadline-ms=N] [--connect] [--plaintext] <host:port | http://host:port/path> [service]";

/** A probe that failed, with the one line to print. */
class ProbeFailure extends Error {}

const HealthClient = grpc.makeGenericClientConstructor(healthService, "Health");

interface HealthCheckClient extends grpc.Client {
  check(request: { service: string }, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: { status: string }) => void): void;
}

/** The services' own internal TLS settings, so a probe dials exactly as their clients do; plaintext without them. */
function credentialsFromEnv(plaintext: boolean): grpc.ChannelCredentials {
  if (plaintext) return grpc.credentials.createInsecure();
  try {
    return internalChannelCredentialsFromEnv() ?? grpc.credentials.createInsecure();
  } catch (error) {
    throw new ProbeFailure(error instanceof Error ? error.message : String(error));
  }
}

function checkServing(target: string, service: string, deadline: number, credentials: grpc.ChannelCredentials): Promise<string> {
  const client = new HealthClient(target, credentials) as unknown as HealthCheckClient;
  return new Promise((resolve, reject) => {
    client.check({ service }, { deadline }, (error, response) => {
      client.close();
      if (error) reject(new ProbeFailure(`${grpc.status[error.code] ?? error.code}: ${error.details}`));
      else if (response?.status !== "SERVING") reject(new ProbeFailure(`${service || "server"} is ${response?.status ?? "UNKNOWN"}`));
      else resolve("SERVING");
    });
  });
}

function checkConnects(target: string, deadline: number, credentials: grpc.ChannelCredentials): Promise<string> {
  const client = new grpc.Client(target, credentials);
  return new Promise((resolve, reject) => {
    client.waitForReady(deadline, (error) => {
      client.close();
      if (error) reject(new ProbeFailure(`no connection to ${target}: ${error.message}`));
      else resolve("READY");
    });
  });
}

async function checkHttp(url: string, deadlineMs: number): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(deadlineMs), redirect: "manual" });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    throw new ProbeFailure(`GET ${url}: ${cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (error as Error).message}`);
  }
  await response.body?.cancel();
  if (!response.ok) throw new ProbeFailure(`GET ${url}: HTTP ${response.status}`);
  return `HTTP ${response.status}`;
}

async function probe(args: string[]): Promise<string> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        connect: { type: "boolean", default: false },
        plaintext: { type: "boolean", default: false },
        "deadline-ms": { type: "string", default: "2000" },
      },
    });
  } catch (error) {
    throw new ProbeFailure(`${(error as Error).message}; ${usage}`);
  }
  const { values, positionals } = parsed;
  const deadlineMs = Number(values["deadline-ms"]);
  if (!Number.isInteger(deadlineMs) || deadlineMs < 1) throw new ProbeFailure(`--deadline-ms must be a positive integer; ${usage}`);
  // Whatever outlives the deadline (a stuck DNS lookup, a half-open socket) still ends the probe.
  setTimeout(() => fail(`no answer within ${deadlineMs} ms`), deadlineMs + 500);
  const [target, service = "", ...extra] = positionals;
  if (target === undefined || extra.length > 0) throw new ProbeFailure(usage);
  if (/^https?:\/\//.test(target)) {
    if (values.connect || values.plaintext || service !== "") throw new ProbeFailure(`an HTTP probe takes no service, --connect or --plaintext; ${usage}`);
    return checkHttp(target, deadlineMs);
  }
  if (values.connect) {
    if (service !== "") throw new ProbeFailure(`--connect takes no service; ${usage}`);
    return checkConnects(target, Date.now() + deadlineMs, credentialsFromEnv(values.plaintext));
  }
  return checkServing(target, service, Date.now() + deadlineMs, credentialsFromEnv(values.plaintext));
}

function fail(reason: string): never {
  process.stderr.write(`unhealthy: ${reason.replace(/\s+/g, " ").replace(/[.:;,]?\s*Resolution note:\s*$/, "").trim()}\n`);
  process.exit(1);
}

try {
  process.stdout.write(`${await probe(process.argv.slice(2))}\n`);
  process.exit(0);
} catch (error) {
  fail(error instanceof ProbeFailure ? error.message : `unexpected: ${error instanceof Error ? error.message : String(error)}`);
}
