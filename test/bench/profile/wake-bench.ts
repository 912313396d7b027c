/**
 * `node --import tsx test/bench/profile/wake-bench.ts`: what one round trip
 * to Postgres costs when both sides are busy, against when both went idle
 * for a millisecond or two first, as they do between the calls of a lone
 * client. The same trivial prepared statement (`SELECT $1::int`) on one
 * connection, back to back and after a timer of WAKE_GAPS_MS (default
 * "1,2") milliseconds, in alternating rounds of WAKE_CALLS (default 1000);
 * prints p50 and p90 per gap. On a virtual machine, waking an idle process
 * can cost far more than the work it is woken for, and a server that answers
 * from its own memory pays it once per call where one that asks a database
 * pays it twice more. DATABASE_URL (default the local server); loopback or
 * a Unix socket only.
 */
import pg from "pg";

const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const gaps = [0, ...(process.env.WAKE_GAPS_MS ?? "1,2").split(",").map(Number)];
const calls = Number(process.env.WAKE_CALLS ?? 1000);
const rounds = 2;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const microseconds = (ms: number | undefined) => `${Math.round((ms ?? Number.NaN) * 1000)} µs`;

const client = new pg.Client(url);
await client.connect();
try {
  for (let round = 1; round <= rounds; round++) {
    for (const gap of gaps) {
      const times: number[] = [];
      for (let i = 0; i < calls; i++) {
        if (gap > 0) await sleep(gap);
        const started = performance.now();
        await client.query({ name: "wake-bench", text: "SELECT $1::int AS n", values: [i] });
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      const label = gap === 0 ? "back to back" : `after ${gap} ms idle`;
      console.log(`round ${round}  ${label.padEnd(16)} p50 ${microseconds(times[Math.floor(calls / 2)])}  p90 ${microseconds(times[Math.floor(calls * 0.9)])}`);
    }
  }
} finally {
  await client.end();
}
