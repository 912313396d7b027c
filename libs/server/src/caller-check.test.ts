import * as grpc from "@grpc/grpc-js";
import type { PeerCertificate } from "node:tls";
import { errorInfoOf } from "@gatehouse/errors";
import { HealthImplementation, service as healthService } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerName, requireAllowedCaller } from "./caller-check.js";
import { generateCertificates, type GeneratedCertificates, type PemPair } from "./certificates.js";
import { internalChannelCredentials, internalServerCredentials } from "./internal-tls.js";
import { listen, shutdown } from "./listen.js";
import { connectErrorFromStatus } from "./status-details.js";

describe("callerName", () => {
  it("is the subject CN, lower-cased; DNS names, which certificates share, do not count", () => {
    const certificate = { subject: { CN: "Store" }, subjectaltname: "DNS:authn, DNS:localhost" } as unknown as PeerCertificate;
    expect(callerName(certificate)).toBe("store");
    expect(callerName({ subject: {}, subjectaltname: "DNS:store" } as unknown as PeerCertificate)).toBeUndefined();
  });
});

const echo: grpc.ServiceDefinition = {
  Echo: {
    path: "/test.Echo/Echo",
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: (value: Buffer) => value,
    responseDeserialize: (bytes: Buffer) => bytes,
  },
};

const HealthClient = grpc.makeGenericClientConstructor(healthService, "Health");

describe("requireAllowedCaller", () => {
  let certs: GeneratedCertificates;
  let tlsServer: grpc.Server;
  let tlsPort: number;
  let plainServer: grpc.Server;
  let plainPort: number;
  const clients: grpc.Client[] = [];

  function startServer(): grpc.Server {
    const server = new grpc.Server({ interceptors: [requireAllowedCaller(["store"])] });
    server.addService(echo, { Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, call.request) });
    new HealthImplementation({ "": "SERVING" }).addToServer(server);
    return server;
  }

  const tls = (pair: PemPair) => ({ ca: Buffer.from(certs.ca.cert), cert: Buffer.from(pair.cert), key: Buffer.from(pair.key) });

  function client(port: number, credentials: grpc.ChannelCredentials): grpc.Client {
    const made = new grpc.Client(`localhost:${port}`, credentials);
    clients.push(made);
    return made;
  }

  function callEcho(port: number, credentials: grpc.ChannelCredentials): Promise<grpc.ServiceError | Buffer> {
    return new Promise((resolve) => {
      client(port, credentials).makeUnaryRequest(
        "/test.Echo/Echo",
        (value: Buffer) => value,
        (bytes: Buffer) => bytes,
        Buffer.from("hi"),
        { deadline: Date.now() + 5_000 },
        (error, value) => resolve(error ?? value!),
      );
    });
  }

  function checkHealth(port: number, credentials: grpc.ChannelCredentials): Promise<string> {
    const health = new HealthClient(`localhost:${port}`, credentials) as unknown as grpc.Client & {
      check(request: { service: string }, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: { status: string }) => void): void;
    };
    clients.push(health);
    return new Promise((resolve, reject) => {
      health.check({ service: "" }, { deadline: Date.now() + 5_000 }, (error, response) => (error ? reject(error) : resolve(response!.status)));
    });
  }

  beforeAll(async () => {
    certs = await generateCertificates({ services: ["authz", "store", "gateway"] });
    tlsServer = startServer();
    tlsPort = await listen(tlsServer, "127.0.0.1", 0, internalServerCredentials(tls(certs.services.authz!)));
    plainServer = startServer();
    plainPort = await listen(plainServer, "127.0.0.1", 0);
  });

  afterAll(async () => {
    for (const made of clients) made.close();
    await Promise.all([tlsServer && shutdown(tlsServer, 1_000), plainServer && shutdown(plainServer, 1_000)]);
  });

  it("lets an allowed caller's call through", async () => {
    expect(await callEcho(tlsPort, internalChannelCredentials(tls(certs.services.store!)))).toEqual(Buffer.from("hi"));
  });

  it("answers PERMISSION_DENIED with CALLER_NOT_ALLOWED to a CA-signed caller that is not allowed", async () => {
    const result = await callEcho(tlsPort, internalChannelCredentials(tls(certs.services.gateway!)));
    expect(result).toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: 'caller "gateway" is not allowed to call this service' });
    expect(errorInfoOf(connectErrorFromStatus(result as grpc.ServiceError))).toMatchObject({ reason: "CALLER_NOT_ALLOWED", metadata: { caller: "gateway" } });
  });

  it("answers health checks from any CA-signed caller, so a service can probe itself", async () => {
    expect(await checkHealth(tlsPort, internalChannelCredentials(tls(certs.services.gateway!)))).toBe("SERVING");
  });

  it("fails closed with UNAUTHENTICATED when the connection carries no verified certificate, health checks included", async () => {
    const result = await callEcho(plainPort, grpc.credentials.createInsecure());
    expect(result).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    expect(errorInfoOf(connectErrorFromStatus(result as grpc.ServiceError))).toMatchObject({ reason: "CALLER_CERTIFICATE_REQUIRED" });
    await expect(checkHealth(plainPort, grpc.credentials.createInsecure())).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  });
});
