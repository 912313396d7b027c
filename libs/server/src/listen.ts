import * as grpc from "@grpc/grpc-js";

/**
 * Binds a grpc-js server to host:port (port 0 picks a free one) and resolves
 * with the bound port. Plaintext unless `credentials` say otherwise.
 */
export function listen(
  server: grpc.Server,
  host: string,
  port: number,
  credentials: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure(),
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, credentials, (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });
}

/** Stops accepting calls and waits for in-flight calls, up to graceMs; then cancels the rest. */
export function shutdown(server: grpc.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Default grpc-js server options: bounded message and metadata sizes. */
export const serverOptions: grpc.ServerOptions = {
  "grpc.max_receive_message_length": 4 * 1024 * 1024,
  "grpc.max_send_message_length": 16 * 1024 * 1024,
  "grpc.max_metadata_size": 64 * 1024,
};
