import * as grpc from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";

const HealthClient = grpc.makeGenericClientConstructor(healthService, "Health");

/** Asks a server's grpc.health.v1.Health for a service's status ("" for the server). */
export function checkHealth(address: string, service = ""): Promise<string> {
  const client = new HealthClient(address, grpc.credentials.createInsecure()) as unknown as {
    check(request: { service: string }, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: { status: string }) => void): void;
    close(): void;
  };
  return new Promise((resolve, reject) => {
    client.check({ service }, { deadline: Date.now() + 5_000 }, (error, response) => {
      client.close();
      if (error) reject(error);
      else resolve(response!.status);
    });
  });
}

/** Polls until the status is the wanted one, or fails after timeoutMs. */
export async function waitForHealth(address: string, wanted: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    last = await checkHealth(address).catch((error: Error) => `error: ${error.message}`);
    if (last === wanted) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`health stayed ${last}, wanted ${wanted}`);
}
