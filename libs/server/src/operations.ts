import { resolve } from "node:path";
import type * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import type { DescService } from "@bufbuild/protobuf";
import { HealthImplementation } from "grpc-health-check";

/** The .proto sources, for server reflection. */
const protoRoot = resolve(import.meta.dirname, "../../../proto");

/** Health reporting of one server. */
export interface HealthReporter {
  /**
   * Reports every service, and the server as a whole (""), SERVING or
   * NOT_SERVING, to Check and to every Watch stream.
   */
  setServing(serving: boolean): void;
}

/**
 * Adds grpc.health.v1.Health (Check and Watch) and gRPC server reflection to
 * a server, for load balancers, orchestrators and tools such as grpcurl.
 * Every service starts NOT_SERVING until the caller says otherwise.
 */
export function addOperations(server: grpc.Server, services: readonly DescService[]): HealthReporter {
  const names = ["", ...services.map((service) => service.typeName)];
  const health = new HealthImplementation(Object.fromEntries(names.map((name) => [name, "NOT_SERVING"])));
  health.addToServer(server);
  const definition = protoLoader.loadSync(
    services.map((service) => `${service.file.name}.proto`),
    { includeDirs: [protoRoot], keepCase: true },
  );
  new ReflectionService(definition).addToServer(server);
  return {
    setServing(serving) {
      for (const name of names) health.setStatus(name, serving ? "SERVING" : "NOT_SERVING");
    },
  };
}
