import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { startPGliteWireServer } from "./pglite-wire-server.js";

const execFileAsync = promisify(execFile);

/** Postgres in this process (PGlite), reachable over a private Unix socket. */
export interface EmbeddedPostgres {
  /** A connection string for pg. */
  url: string;
  /** The socket file, in a folder only this user may open. */
  socketPath: string;
  /**
   * Environment the store needs on this database: PGlite runs every
   * connection in one Postgres session, where named prepared statements of
   * two pg connections would collide.
   */
  storeEnv: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * PGlite's start parameters with smaller buffers: one local developer's data
 * needs no 128 MB of shared buffers, and PGlite keeps every page it allocates
 * resident (README, "Topologies", for the measurements).
 */
export const embeddedStartParams: readonly string[] = [
  ...PGlite.defaultStartParams,
  ...["shared_buffers=16MB", "work_mem=2MB", "maintenance_work_mem=16MB"].flatMap((setting) => ["-c", setting]),
];

/**
 * Starts PGlite behind a Postgres wire-protocol socket, so the store's pg
 * code path is the same as on a real server. The socket is a Unix socket in
 * a fresh folder of mode 0700, so other users of the machine cannot connect
 * (it has no password), and it takes any number of connections: their
 * exchanges run one at a time in PGlite's single session, and while one
 * connection is inside a transaction only its own statements run, so
 * transactions stay isolated (see startPGliteWireServer). A stray connection
 * (a port scan, a curl) therefore cannot keep the store out.
 */
export async function startEmbeddedPostgres(dataDir: string | undefined): Promise<EmbeddedPostgres> {
  if (dataDir !== undefined && !existsSync(join(dataDir, "PG_VERSION"))) {
    // initdb leaves several hundred MiB of WebAssembly memory behind in the process that ran it,
    // which a closed instance gives back only whenever V8 collects it: a short-lived process runs
    // it instead, and this one opens the initialised folder (README, "Topologies").
    await initialiseDataDir(dataDir);
  }
  const db = new PGlite(dataDir, { startParams: [...embeddedStartParams] });
  await db.waitReady;
  // mkdtemp creates the folder with mode 0700.
  const socketDir = await mkdtemp(join(tmpdir(), "gatehouse-pglite-"));
  const socketPath = join(socketDir, ".s.PGSQL.5432");
  let server;
  try {
    server = await startPGliteWireServer(db, socketPath);
  } catch (error) {
    await db.close();
    await rm(socketDir, { recursive: true, force: true });
    throw error;
  }
  return {
    // pg takes a socket folder as the host; the file name follows from the port.
    url: `postgres://postgres@localhost:5432/postgres?host=${encodeURIComponent(socketDir)}&sslmode=disable`,
    socketPath,
    // Every connection shares one session: no named statements, and no LISTEN (notifications are not relayed).
    storeEnv: { DATABASE_PREPARED_STATEMENTS: "false", WORKER_LISTEN: "0" },
    async stop() {
      await server.stop();
      await db.close();
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}

/** Runs initdb on a new data folder in a child process, which takes its memory with it when it exits. */
async function initialiseDataDir(dataDir: string): Promise<void> {
  const script = `const { PGlite } = await import("@electric-sql/pglite"); const db = new PGlite(process.argv[1]); await db.waitReady; await db.close();`;
  await execFileAsync(process.execPath, ["--input-type=module", "--eval", script, resolve(dataDir)], { cwd: import.meta.dirname });
}
