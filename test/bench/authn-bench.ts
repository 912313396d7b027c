/**
 * `node --import tsx test/bench/authn-bench.ts`: what one Authenticate costs,
 * by path, measured at a client of the authn process (one call at a time):
 *
 * - L1 hit: a warm token, answered from authn's in-process cache;
 * - Redis hit: the same on an authn whose L1 is off (GATEHOUSE_L1_TTL_MS=0);
 * - cold JWT: a token never seen (Redis miss, jose verification against the
 *   cached JWKS, Redis write);
 * - cold introspection: an opaque token never seen (Redis miss, an RFC 7662
 *   call over loopback HTTP, Redis write).
 *
 * Real Redis (REDIS_URL, default 127.0.0.1:6379), the fixture auth module
 * with the built-in verifiers, an identity-provider stand-in in this process.
 * BENCH_CALLS (default 2000) sets the calls per cached scenario; each cold
 * scenario makes a quarter as many.
 */
import { randomBytes } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { AuthenticateRequestSchema, AuthenticateResponseSchema } from "@gatehouse/contracts";
import { startServiceProcess, type ServiceProcess } from "@gatehouse/launcher";
import { startIdentityProvider } from "@gatehouse/verifiers/testing";
import { identityProviderEnv } from "../support/identity-provider-env.js";
import { fromRoot } from "../support/test-gatehouse.js";

const calls = Number(process.env.BENCH_CALLS ?? 2_000);
const idp = await startIdentityProvider();
const env = {
  ...identityProviderEnv(idp, `static-${randomBytes(8).toString("hex")}`),
  GATEHOUSE_CONFIG: fromRoot("test/fixtures/verifiers.gatehouse.json"),
  GATEHOUSE_CACHE_SECRET: randomBytes(32).toString("hex"),
  REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  AUTHN_PORT: "0",
};
const processes: ServiceProcess[] = [];
const clients: grpc.Client[] = [];

/** Starts an authn process; returns a raw grpc-js call (request encoded up front, so the client costs little). */
async function authnWith(extra: Record<string, string>): Promise<(token: string) => Promise<string>> {
  const instance = await startServiceProcess({ name: "authn", env: { ...env, ...extra } });
  processes.push(instance);
  const client = new grpc.Client(instance.address, grpc.credentials.createInsecure());
  clients.push(client);
  const encode = (token: string) =>
    Buffer.from(toBinary(AuthenticateRequestSchema, create(AuthenticateRequestSchema, { headers: { authorization: `Bearer ${token}` }, method: "POST", path: "/bench.v1.S/M" })));
  return (token) => {
    const request = encode(token);
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        "/gatehouse.authn.v1.AuthnService/Authenticate",
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => bytes,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + 10_000 },
        (error, bytes) => (error ? reject(error) : resolve(fromBinary(AuthenticateResponseSchema, bytes!).outcome.case ?? "none")),
      );
    });
  };
}

async function measure(name: string, tokens: string[], call: (token: string) => Promise<string>): Promise<void> {
  const latencies: number[] = [];
  for (const token of tokens) {
    const started = process.hrtime.bigint();
    const outcome = await call(token);
    latencies.push(Number(process.hrtime.bigint() - started) / 1_000);
    if (outcome !== "user") throw new Error(`${name}: expected a user, got ${outcome}`);
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  console.log(`${name.padEnd(22)} ${String(tokens.length).padStart(6)} ${at(0.5).toFixed(0).padStart(8)} ${at(0.99).toFixed(0).padStart(8)}`);
}

try {
  const [withL1, withoutL1] = await Promise.all([authnWith({}), authnWith({ GATEHOUSE_L1_TTL_MS: "0" })]);
  const cold = Math.max(1, Math.floor(calls / 4));
  const warm = await idp.sign({ sub: "warm", aud: "gatehouse" }, { expiresInSec: 3_600 });
  const jwts = await Promise.all(Array.from({ length: cold }, (_, n) => idp.sign({ sub: `user-${n}`, aud: "gatehouse" }, { expiresInSec: 3_600 })));
  const opaques = Array.from({ length: cold }, (_, n) => idp.issueOpaque({ sub: `user-${n}`, exp: Math.floor(Date.now() / 1000) + 3_600 }, "opaque-"));
  // Warm-up: connections, the JIT, the JWKS and jose's key import, in both processes.
  for (let n = 0; n < 300; n += 1) await Promise.all([withL1(warm), withoutL1(warm)]);
  await withoutL1(await idp.sign({ sub: "warm-jwt", aud: "gatehouse" }));
  await withoutL1(idp.issueOpaque({ sub: "warm-opaque" }, "opaque-"));

  console.log(`${"Authenticate".padEnd(22)} ${"calls".padStart(6)} ${"p50 µs".padStart(8)} ${"p99 µs".padStart(8)}`);
  await measure("L1 hit", Array(calls).fill(warm), withL1);
  await measure("Redis hit", Array(calls).fill(warm), withoutL1);
  await measure("cold JWT", jwts, withoutL1);
  await measure("cold introspection", opaques, withoutL1);
} finally {
  for (const client of clients) client.close();
  await Promise.all(processes.map((instance) => instance.stop()));
  await idp.close();
}
