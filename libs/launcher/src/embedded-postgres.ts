import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** Postgres in this process (PGlite), reachable over a loopback socket. */
export interface EmbeddedPostgres {
  /** A connection string for pg. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite behind a Postgres wire-protocol socket, so the store's pg
 * code path is the same as on a real server. The socket serves one
 * connection at a time: give the store a pool of one (DATABASE_POOL_MAX=1).
 */
export async function startEmbeddedPostgres(dataDir: string | undefined): Promise<EmbeddedPostgres> {
  const db = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  await db.waitReady;
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
