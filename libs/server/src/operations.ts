import type * as grpc from "@grpc/grpc-js";
import type { DescService } from "@bufbuild/protobuf";
import { auth_event } from "@gatehouse/contracts";
import { HealthImplementation } from "grpc-health-check";
import { addReflection } from "./reflection.js";

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
 * a server, for load balancers, orchestrators and tools such as grpcurl;
 * reflection serves the services' real file descriptors (see addReflection).
 * Every service starts NOT_SERVING until the caller says otherwise.
 */
export function addOperations(server: grpc.Server, services: readonly DescService[]): HealthReporter {
  const names = ["", ...services.map((service) => service.typeName)];
  const health = new HealthImplementation(Object.fromEntries(names.map((name) => [name, "NOT_SERVING"])));
  health.addToServer(server);
  // Every service's file imports the auth_event option's file, which generated code leaves out.
  addReflection(server, services, [auth_event.file]);
  return {
    setServing(serving) {
      for (const name of names) health.setStatus(name, serving ? "SERVING" : "NOT_SERVING");
    },
  };
}
