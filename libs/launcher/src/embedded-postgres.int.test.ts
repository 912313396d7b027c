import { connect } from "node:net";
import { stat } from "node:fs/promises";
import { dirname } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres.js";

let embedded: EmbeddedPostgres;
beforeAll(async () => {
  embedded = await startEmbeddedPostgres(undefined);
}, 60_000);
afterAll(async () => embedded?.stop());

describe("the embedded Postgres", () => {
  it("listens on a Unix socket in a folder only this user may open", async () => {
    expect((await stat(dirname(embedded.socketPath))).mode & 0o777).toBe(0o700);
  });

  it("serves a pool of connections although a stray connection came first and stays open", async () => {
    const stray = connect(embedded.socketPath);
    await new Promise<void>((resolve, reject) => stray.once("connect", resolve).once("error", reject));
    const pool = new pg.Pool({ connectionString: embedded.url, max: 4 });
    try {
      const answers = await Promise.all(Array.from({ length: 8 }, (_, n) => pool.query<{ n: number }>("SELECT $1::int AS n", [n])));
      expect(answers.map((answer) => answer.rows[0]!.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    } finally {
      stray.destroy();
      await pool.end();
    }
  });

  it("keeps a transaction to its connection: another connection neither sees nor interleaves with it until it ends", async () => {
    const pool = new pg.Pool({ connectionString: embedded.url, max: 2 });
    const [writer, reader] = [await pool.connect(), await pool.connect()];
    try {
      await writer.query("CREATE TABLE IF NOT EXISTS isolation_probe (n int)");
      await writer.query("BEGIN");
      await writer.query("INSERT INTO isolation_probe VALUES (1)");
      let counted: number | undefined;
      const read = reader.query<{ count: string }>("SELECT count(*) FROM isolation_probe").then((answer) => (counted = Number(answer.rows[0]!.count)));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(counted).toBeUndefined();
      await writer.query("ROLLBACK");
      await read;
      expect(counted).toBe(0);
    } finally {
      writer.release();
      reader.release();
      await pool.end();
    }
  });
});
