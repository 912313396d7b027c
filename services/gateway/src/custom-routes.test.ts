/**
 * The custom routes through the gateway's real HTTP server, with the store's
 * CallerService in memory: who may reach the app, what it receives, and how
 * its answer is written.
 */
import { request as httpRequest } from "node:http";
import { Code, ConnectError, createRouterTransport } from "@connectrpc/connect";
import { CallerService } from "@gatehouse/contracts";
import { ErrorReason, httpStatusError } from "@gatehouse/errors";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { tooManyRequests, type CallerLimit } from "./caller-limit.js";
import { createCustomRoutes } from "./custom-routes.js";
import type { CustomApp } from "./load-custom-app.js";
import { startGatewayServer, type GatewayDeps } from "./server.js";
import { createStoreClients } from "./store-clients.js";

/** What the app was called with. */
interface Seen {
  request: Request;
  body: string;
  env: unknown;
}

/** A store whose CallerService knows one bearer token, alice's, and counts its calls. */
function callerStore() {
  const calls = { count: 0 };
  const transport = createRouterTransport((router) =>
    router.service(CallerService, {
      getCaller(_request, context) {
        calls.count += 1;
        if (context.requestHeader.get("authorization") === "Bearer alice-token") {
          return { user: { identity: "alice", displayName: "Alice", isAuthenticated: true, permissions: ["chat"], extra: { org_id: "acme" } } };
        }
        if (context.requestHeader.get("authorization") === "Bearer broken") throw new ConnectError("authn is down", Code.Unavailable);
        throw httpStatusError(401, ErrorReason.CREDENTIAL_REJECTED, "Invalid token", { "www-authenticate": 'Bearer error="invalid_token"' });
      },
    }),
  );
  return { store: createStoreClients(transport), calls };
}

const servers: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

/** Starts the gateway on a free port with `app` as its custom routes (none when undefined), and a log kept in memory. */
async function gateway(app: CustomApp | undefined, maxBodyBytes = 1024, limitCaller?: CallerLimit) {
  const { store, calls } = callerStore();
  const logLines: string[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void logLines.push(line) });
  const deps: GatewayDeps = {
    store,
    graphs: new Set(),
    logger,
    maxBodyBytes,
    requestTimeoutMs: 5_000,
    runTimeoutMs: 5_000,
    ...(app && { customRoutes: createCustomRoutes({ app, caller: store.caller, maxBodyBytes, logger }) }),
    ...(limitCaller && { limitCaller }),
  };
  const server = await startGatewayServer(deps, "127.0.0.1", 0);
  servers.push(server);
  return { url: `http://127.0.0.1:${server.port}`, calls, logLines };
}

/** An app that records what it was called with and answers `answer`. */
function recordingApp(answer: () => Response = () => Response.json({ ok: true })) {
  const seen: Seen[] = [];
  const app: CustomApp = {
    async fetch(request, env) {
      seen.push({ request, body: await request.text(), env });
      return answer();
    },
  };
  return { app, seen };
}

const alice = { authorization: "Bearer alice-token" };

describe("custom routes", () => {
  it("the app gets the caller as env.auth, the user as LangGraph shapes it and its permissions as scopes", async () => {
    const { app, seen } = recordingApp();
    const { url } = await gateway(app);
    expect((await fetch(`${url}/me`, { headers: alice })).status).toBe(200);
    expect(seen[0]!.env).toEqual({
      auth: { user: { identity: "alice", display_name: "Alice", is_authenticated: true, permissions: ["chat"], org_id: "acme" }, scopes: ["chat"] },
    });
  });

  it("the app gets the request as sent: method, URL with host and query, headers and body", async () => {
    const { app, seen } = recordingApp();
    const { url } = await gateway(app);
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    await fetch(`${url}/notes/n%201?draft=yes`, {
      method: "PUT",
      headers: { ...alice, "content-type": "text/plain", "x-tenant": "acme", "x-request-id": "req-1", traceparent },
      body: "remember the milk",
    });
    const { request, body } = seen[0]!;
    expect(request.method).toBe("PUT");
    expect(request.url).toBe(`${url}/notes/n%201?draft=yes`);
    expect(body).toBe("remember the milk");
    expect(request.headers.get("authorization")).toBe("Bearer alice-token");
    expect(request.headers.get("x-tenant")).toBe("acme");
    expect(request.headers.get("content-type")).toBe("text/plain");
    // The trace continues through the gateway, which is the app's parent span, with the caller's request id.
    expect(request.headers.get("x-request-id")).toBe("req-1");
    expect(request.headers.get("traceparent")).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-(?!b7ad6b7169203331)[0-9a-f]{16}-01$/);
  });

  it("headers about the connection are not passed on", async () => {
    const { app, seen } = recordingApp();
    const { url } = await gateway(app);
    await new Promise<void>((resolve, reject) => {
      const request = httpRequest(`${url}/x`, { headers: { ...alice, connection: "keep-alive, x-hop", "x-hop": "1", "keep-alive": "timeout=5", "proxy-authorization": "Basic eA==" } });
      request.on("response", (response) => response.resume().on("end", resolve)).on("error", reject).end();
    });
    const names: string[] = [];
    seen[0]!.request.headers.forEach((_value, name) => names.push(name));
    for (const name of ["connection", "x-hop", "keep-alive", "proxy-authorization"]) expect(names).not.toContain(name);
    expect(names).toContain("authorization");
  });

  it("a rejected credential is answered 401 with the challenge, and the app never sees the request", async () => {
    const { app, seen } = recordingApp();
    const { url } = await gateway(app);
    for (const headers of [{}, { authorization: "Bearer mallory" }] as Record<string, string>[]) {
      const response = await fetch(`${url}/me`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
      expect(await response.json()).toEqual({ detail: "Invalid token" });
    }
    expect(seen).toEqual([]);
  });

  it("a store that cannot say who is calling fails closed with 503, and the app never sees the request", async () => {
    const { app, seen } = recordingApp();
    const { url } = await gateway(app);
    const response = await fetch(`${url}/me`, { headers: { authorization: "Bearer broken" } });
    expect(response.status).toBe(503);
    expect(seen).toEqual([]);
  });

  it("a body over the limit is 413, before the store is asked or the app called", async () => {
    const { app, seen } = recordingApp();
    const { url, calls } = await gateway(app, 1024);
    const response = await fetch(`${url}/upload`, { method: "POST", headers: alice, body: "x".repeat(2048) });
    expect(response.status).toBe(413);
    expect(calls.count).toBe(0);
    expect(seen).toEqual([]);
  });

  it("a caller over its rate is 429, before the store is asked or the app called", async () => {
    const { app, seen } = recordingApp();
    const overLimit: CallerLimit = {
      charge: () => Promise.reject(tooManyRequests(3_000)),
      accepted: () => {},
    };
    const { url, calls } = await gateway(app, 1024, overLimit);
    const response = await fetch(`${url}/me`, { headers: alice });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("3");
    expect(calls.count).toBe(0);
    expect(seen).toEqual([]);
  });

  it("built-in paths stay the gateway's under every method; only other paths reach the app", async () => {
    const { app, seen } = recordingApp(() => Response.json({ from: "app" }));
    const { url } = await gateway(app);
    expect(await (await fetch(`${url}/ok`)).json()).toEqual({ ok: true });
    const other = await fetch(`${url}/ok`, { method: "DELETE", headers: alice });
    expect(other.status).toBe(405);
    expect(seen).toEqual([]);
    expect(await (await fetch(`${url}/elsewhere`, { headers: alice })).json()).toEqual({ from: "app" });
  });

  it("the app's answer is written as it is: status, headers, every Set-Cookie, the body", async () => {
    const headers = new Headers({ "content-type": "text/csv", "x-app": "1" });
    headers.append("set-cookie", "a=1");
    headers.append("set-cookie", "b=2");
    const { app } = recordingApp(() => new Response("id,n\n1,2\n", { status: 201, headers }));
    const { url } = await gateway(app);
    const response = await fetch(`${url}/export`, { headers: { ...alice, "x-request-id": "req-9" } });
    expect(response.status).toBe(201);
    expect(response.headers.get("content-type")).toBe("text/csv");
    expect(response.headers.get("x-app")).toBe("1");
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(response.headers.get("x-request-id")).toBe("req-9");
    expect(await response.text()).toBe("id,n\n1,2\n");
  });

  it("the app's 404 is passed on as the app wrote it", async () => {
    const { app } = recordingApp(() => new Response("no such note", { status: 404 }));
    const { url } = await gateway(app);
    const response = await fetch(`${url}/notes/missing`, { headers: alice });
    expect(response.status).toBe(404);
    expect(await response.text()).toBe("no such note");
  });

  it("a streamed body is relayed as the app produces it, and a caller that goes away cancels it", async () => {
    let cancelled!: () => void;
    const wasCancelled = new Promise<void>((resolve) => (cancelled = resolve));
    const app: CustomApp = {
      fetch: () => {
        let n = 0;
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            await new Promise((resolve) => setTimeout(resolve, 5));
            controller.enqueue(new TextEncoder().encode(`tick ${n++}\n`));
          },
          cancel: () => cancelled(),
        });
        return new Response(body, { headers: { "content-type": "text/plain" } });
      },
    };
    const { url } = await gateway(app);
    // node:http rather than fetch, whose client opens a spare connection once one is aborted.
    const request = httpRequest(`${url}/ticks`, { headers: alice, agent: false });
    const first = await new Promise<string>((resolve, reject) => {
      request.on("response", (response) => response.once("data", (chunk: Buffer) => resolve(chunk.toString()))).on("error", reject).end();
    });
    expect(first).toMatch(/^tick 0/);
    request.destroy();
    await wasCancelled;
  });

  it("an app that throws is answered 500 without its message, which is logged without the credential", async () => {
    const app: CustomApp = {
      fetch: () => {
        throw new Error("the notes table is missing");
      },
    };
    const { url, logLines } = await gateway(app);
    const response = await fetch(`${url}/notes`, { headers: alice });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ detail: "internal error" });
    const logged = logLines.join("");
    expect(logged).toContain("the notes table is missing");
    expect(logged).not.toContain("alice-token");
  });

  it("an app that answers something other than a Response is a 500 too", async () => {
    const app = { fetch: () => ({ status: 200 }) } as unknown as CustomApp;
    const { url } = await gateway(app);
    expect((await fetch(`${url}/x`, { headers: alice })).status).toBe(500);
  });

  it("without an app, an unknown path is 404 and nobody is asked who is calling", async () => {
    const { url, calls } = await gateway(undefined);
    const response = await fetch(`${url}/me`, { headers: alice });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ detail: "Not Found" });
    expect(calls.count).toBe(0);
  });
});
