/**
 * `npm start` (services/dev) listens where the environment says: the
 * internal services on AUTHN_PORT and AUTHZ_PORT when set, as the store and
 * gateway on STORE_PORT and GATEWAY_PORT.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { repoRoot } from "@gatehouse/launcher";
import { freeLoopbackPort } from "@gatehouse/redis/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.drop());

/** Runs `npm start`'s entry point until it prints its addresses; returns them and stops it. */
async function startedAddresses(env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", resolve(repoRoot, "services/dev/src/main.ts")], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: "silent", STORE_PORT: "0", GATEWAY_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  try {
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`npm start did not report its addresses:\n${output}`)), 60_000);
      const take = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Press Ctrl+C to stop.")) {
          clearTimeout(timer);
          done();
        }
      };
      child.stdout.on("data", take);
      child.stderr.on("data", take);
      child.once("exit", (code) => fail(new Error(`npm start exited with ${code}:\n${output}`)));
    });
    return output;
  } finally {
    const exited = new Promise((done) => child.once("exit", done));
    child.kill("SIGTERM");
    await exited;
  }
}

describe("npm start", () => {
  it("listens on AUTHN_PORT and AUTHZ_PORT when they are set", async () => {
    const [authnPort, authzPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
    const output = await startedAddresses({ AUTHN_PORT: String(authnPort), AUTHZ_PORT: String(authzPort) });
    expect(output).toMatch(new RegExp(`authn  127\\.0\\.0\\.1:${authnPort} `));
    expect(output).toMatch(new RegExp(`authz  127\\.0\\.0\\.1:${authzPort} `));
  });

  it("picks free ports for authn and authz when they are unset", async () => {
    const output = await startedAddresses({ AUTHN_PORT: "", AUTHZ_PORT: "" });
    expect(output).toMatch(/authn  127\.0\.0\.1:\d+ /);
    expect(output).toMatch(/authz  127\.0\.0\.1:\d+ /);
  });
});
