import { createServer } from "node:net";

/**
 * A loopback port that was free a moment ago: the port the system gave a
 * listener that has since closed. Tests that start servers of their own
 * (redis-server, pgbouncer, the dev processes) listen on it.
 */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
