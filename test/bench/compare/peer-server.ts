import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { repoRoot } from "@gatehouse/launcher";
import { processTree } from "./process-tree.js";

/** A running LangGraph.js dev server. */
export interface PeerServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The CLI's process id: the root of the server's process tree (CLI, tsx, the API server). */
  pid: number;
  /** The versions of the CLI and the API server that run. */
  versions: { cli: string; api: string };
  /** Stops the whole process tree and removes the temporary project folder. */
  stop(): Promise<void>;
}

/** What the dev server serves: module paths relative to the repository root, in `file.ts:export` form as in langgraph.json. */
export interface PeerServerOptions {
  /** Graph id → `path:export`. */
  graphs: Record<string, string>;
  /** `path:export` of an `Auth` from `@langchain/langgraph-sdk/auth`. */
  auth?: string;
  /** A token the auth module accepts, for the readiness probe on /ok (which the auth module guards too). */
  probeToken?: string;
  startTimeoutMs?: number;
}

/** Resolves a module in the repository's own node_modules. */
function installed(path: string): string {
  return resolve(repoRoot, "node_modules", path);
}

/** A free loopback port: bound, read and released (the dev server binds a port number, not port 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => server.once("error", fail).listen(0, "127.0.0.1", done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (address === null || typeof address === "string") throw new Error("no port was assigned");
  return address.port;
}

async function packageVersion(name: string): Promise<string> {
  return (JSON.parse(await readFile(installed(`${name}/package.json`), "utf8")) as { version: string }).version;
}

/**
 * The environment of the dev server: offline and quiet. No CLI analytics, no
 * LangSmith tracing (and no key to trace with), no browser, and warnings
 * only (its request log costs CPU per request otherwise).
 */
function peerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LANGGRAPH_CLI_NO_ANALYTICS: "1",
    LANGSMITH_TRACING: "false",
    LANGSMITH_TRACING_V2: "false",
    LANGCHAIN_TRACING: "false",
    LANGCHAIN_TRACING_V2: "false",
    BROWSER: "none",
    LOG_LEVEL: "warn",
  };
  for (const key of ["LANGSMITH_API_KEY", "LANGCHAIN_API_KEY", "LANGGRAPH_API_KEY", "LANGSMITH_ENDPOINT", "LANGCHAIN_ENDPOINT"]) delete env[key];
  return env;
}

/**
 * Starts `langgraphjs dev` from the repository's pinned
 * `@langchain/langgraph-cli` on a free loopback port, in memory, with no
 * browser, no reload watcher and no tunnel, for a langgraph.json generated
 * in a temporary folder that names the repository's graph and auth modules
 * (relative to that folder, as the dev server joins paths to it). Resolves
 * once GET /ok answers 200, and rejects with the server's output if it
 * exits first or does not answer in time.
 */
export async function startPeerServer(options: PeerServerOptions): Promise<PeerServer> {
  const folder = await mkdtemp(join(tmpdir(), "gatehouse-bench-peer-"));
  const fromFolder = (spec: string) => {
    const [file, exportName] = spec.split(":");
    return `${relative(folder, resolve(repoRoot, file!))}:${exportName}`;
  };
  const config = {
    node_version: "20",
    graphs: Object.fromEntries(Object.entries(options.graphs).map(([id, spec]) => [id, fromFolder(spec)])),
    ...(options.auth && { auth: { path: fromFolder(options.auth) } }),
    env: {},
  };
  const configPath = join(folder, "langgraph.json");
  await writeFile(configPath, JSON.stringify(config, null, 2));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [installed("@langchain/langgraph-cli/dist/cli/cli.mjs"), "dev", "--port", String(port), "--host", "127.0.0.1", "--no-browser", "--no-reload", "--config", configPath],
    { cwd: folder, env: peerEnv(), stdio: ["ignore", "pipe", "pipe"] },
  );
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let exited = false;
  child.once("exit", () => (exited = true));

  let trackedPids: number[] = [];
  const stop = async () => {
    // The CLI stops its server child on exit; anything of the tree still there after the grace period is killed by id.
    const pids = [...new Set([...trackedPids, ...(child.pid === undefined ? [] : processTree(child.pid))])];
    if (!exited) child.kill("SIGTERM");
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && pids.some(alive)) await new Promise((done) => setTimeout(done, 100));
    for (const pid of pids.filter(alive)) process.kill(pid, "SIGKILL");
    await rm(folder, { recursive: true, force: true });
  };

  try {
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    const headers: Record<string, string> = options.probeToken ? { authorization: `Bearer ${options.probeToken}` } : {};
    for (;;) {
      if (exited) throw new Error(`the LangGraph.js dev server exited before answering:\n${output.join("")}`);
      if (Date.now() > deadline) throw new Error(`the LangGraph.js dev server did not answer /ok within ${timeoutMs} ms:\n${output.join("")}`);
      const status = await fetch(`${url}/ok`, { headers }).then(
        async (response) => (await response.arrayBuffer(), response.status),
        () => 0,
      );
      if (status === 200) break;
      if (status !== 0) throw new Error(`the LangGraph.js dev server answered /ok with ${status}:\n${output.join("")}`);
      await new Promise((done) => setTimeout(done, 200));
    }
    trackedPids = processTree(child.pid!);
    const [cli, api] = await Promise.all([packageVersion("@langchain/langgraph-cli"), packageVersion("@langchain/langgraph-api")]);
    return { url, pid: child.pid!, versions: { cli, api }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
