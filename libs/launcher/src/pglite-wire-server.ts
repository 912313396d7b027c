import { createServer, type Server, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";

const sslRequestCode = 80877103;
const cancelRequestCode = 80877102;
// Messages after which the backend answers ReadyForQuery: the end of one exchange.
const exchangeEnds = new Set(["S".charCodeAt(0), "Q".charCodeAt(0)]);
const terminate = "X".charCodeAt(0);

interface Exchange {
  connection: Connection;
  bytes: Uint8Array;
}

interface Connection {
  socket: Socket;
  /** Bytes received and not yet grouped into an exchange. */
  buffered: Buffer;
  /** Messages of the exchange being received (up to its Sync or Query). */
  pending: Buffer[];
  started: boolean;
  closed: boolean;
}

/** A running wire-protocol server for one PGlite database. */
export interface PGliteWireServer {
  stop(): Promise<void>;
}

/**
 * Serves one PGlite database to several Postgres wire-protocol connections
 * on a Unix socket. PGlite runs a single session, so statements of different
 * connections must never interleave inside one exchange (Parse, Bind,
 * Execute … Sync, whose unnamed statement another connection's Parse would
 * replace) nor inside a transaction. Each connection's messages are grouped
 * into whole exchanges — up to a Sync or a simple Query — and exchanges run
 * one at a time; while the session is inside a transaction, only the
 * connection that opened it runs, and its transaction is rolled back if it
 * goes away. pglite-socket's multiplexer interleaves single messages, which
 * breaks concurrent extended-protocol clients such as pg.
 */
export async function startPGliteWireServer(db: PGlite, socketPath: string): Promise<PGliteWireServer> {
  const queue: Exchange[] = [];
  const connections = new Set<Connection>();
  let owner: Connection | undefined;
  let running = false;

  async function run(): Promise<void> {
    if (running) return;
    running = true;
    try {
      for (;;) {
        const index = owner === undefined ? 0 : queue.findIndex((exchange) => exchange.connection === owner);
        if (index === -1 || queue.length === 0) return;
        const [exchange] = queue.splice(index, 1);
        const { connection, bytes } = exchange!;
        if (connection.closed) continue;
        await db.runExclusive(() =>
          db.execProtocolRawStream(bytes, {
            onRawData: (chunk) => {
              if (!connection.closed) connection.socket.write(Buffer.from(chunk));
            },
          }),
        );
        owner = db.isInTransaction() ? connection : undefined;
        if (owner === connection && connection.closed) await rollbackFor(connection);
      }
    } finally {
      running = false;
    }
  }

  async function rollbackFor(connection: Connection): Promise<void> {
    if (owner !== connection) return;
    await db.exec("ROLLBACK");
    owner = undefined;
  }

  function enqueue(connection: Connection, bytes: Buffer): void {
    queue.push({ connection, bytes: new Uint8Array(bytes) });
    void run().catch(() => connection.socket.destroy());
  }

  /** Splits what arrived into messages and queues each finished exchange. */
  function receive(connection: Connection, data: Buffer): void {
    connection.buffered = Buffer.concat([connection.buffered, data]);
    for (;;) {
      const buffered = connection.buffered;
      if (!connection.started) {
        // Start-up messages have no type byte: a length, then a code.
        if (buffered.length < 8) return;
        const length = buffered.readInt32BE(0);
        if (buffered.length < length) return;
        const code = buffered.readInt32BE(4);
        connection.buffered = buffered.subarray(length);
        if (code === sslRequestCode) {
          connection.socket.write("N");
          continue;
        }
        if (code === cancelRequestCode) {
          connection.socket.end();
          return;
        }
        connection.started = true;
        enqueue(connection, buffered.subarray(0, length));
        continue;
      }
      if (buffered.length < 5) return;
      const length = 1 + buffered.readInt32BE(1);
      if (buffered.length < length) return;
      const type = buffered[0]!;
      const message = buffered.subarray(0, length);
      connection.buffered = buffered.subarray(length);
      if (type === terminate) {
        connection.socket.end();
        return;
      }
      connection.pending.push(message);
      if (exchangeEnds.has(type)) {
        const exchange = Buffer.concat(connection.pending);
        connection.pending = [];
        enqueue(connection, exchange);
      }
    }
  }

  const server: Server = createServer((socket) => {
    const connection: Connection = { socket, buffered: Buffer.alloc(0), pending: [], started: false, closed: false };
    connections.add(connection);
    socket.on("data", (data) => receive(connection, data));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      connection.closed = true;
      connections.delete(connection);
      if (owner === connection && !running) void rollbackFor(connection).then(() => run());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    async stop() {
      for (const { socket } of connections) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
