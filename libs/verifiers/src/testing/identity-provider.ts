import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, type JWTHeaderParameters, type JWTPayload } from "jose";
import { KeyRing, type SigningKey } from "./signing-keys.js";

/** One request the stand-in received. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** The client that authenticated to the introspection endpoint, if any. */
  clientId: string | undefined;
}

/** How a test signs a token. */
export interface SignOptions {
  /** Seconds until `exp`; null for a token without `exp`. Default 300. */
  expiresInSec?: number | null;
  /** Sign with the ES256 key instead of the current RS256 one. */
  alg?: "RS256" | "ES256";
  /** Header fields to add or override (kid, jku, x5u, jwk, ...). */
  header?: Partial<JWTHeaderParameters> & Record<string, unknown>;
}

/** An identity provider on loopback: JWKS, token introspection and userinfo, with request counts. */
export interface IdentityProvider {
  /** The base URL, also the `iss` of its tokens. */
  issuer: string;
  jwksUrl: string;
  introspectionUrl: string;
  userinfoUrl: string;
  keys: KeyRing;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Requests received on a path (and from a client, if given). */
  count(path?: string, clientId?: string): number;
  /** Signs a JWT with `iss` = issuer, `iat` = now and `exp` = now + 300 s unless told otherwise. */
  sign(claims: JWTPayload, options?: SignOptions): Promise<string>;
  /** Issues an opaque token that introspection and userinfo describe with these claims. */
  issueOpaque(claims: Record<string, unknown>, prefix?: string): string;
  /** Marks an opaque token inactive, as when the provider revokes it. */
  deactivate(token: string): void;
  /** Rotates the RS256 key (the previous key stays published unless retired). */
  rotate(retirePrevious?: boolean): Promise<SigningKey>;
  /** Delays every answer, to make concurrent misses overlap. */
  delayMs: number;
  /** Makes every endpoint answer this status, or never answer ("hang"); undefined restores service. */
  outage: number | "hang" | undefined;
  close(): Promise<void>;
}

/** Options of the stand-in. */
export interface IdentityProviderOptions {
  /** Introspection clients and their secrets; default { "gatehouse": "gatehouse-secret" }. */
  clients?: Record<string, string>;
}

/**
 * Starts a real identity provider stand-in on 127.0.0.1, port 0: it signs
 * tokens with real `jose` keys, serves them as a JWKS with rotation, answers
 * RFC 7662 introspection (client authentication by HTTP Basic or form) and a
 * userinfo endpoint, and records every request so tests can count provider
 * calls and prove that no unexpected fetch happened.
 */
export async function startIdentityProvider(options: IdentityProviderOptions = {}): Promise<IdentityProvider> {
  const clients = options.clients ?? { gatehouse: "gatehouse-secret" };
  const keys = await KeyRing.create();
  const opaque = new Map<string, { claims: Record<string, unknown>; active: boolean }>();
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    void handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const body = await readBody(request);
    const form = new URLSearchParams(request.method === "POST" ? body : "");
    const clientId = introspectionClient(request, form, clients);
    requests.push({ method: request.method ?? "", path, clientId });
    if (provider.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, provider.delayMs));
    if (provider.outage === "hang") return;
    if (provider.outage !== undefined) return json(response, provider.outage, { error: "outage" });
    if (path === "/.well-known/jwks.json" && request.method === "GET") return json(response, 200, keys.jwks());
    if (path === "/introspect" && request.method === "POST") {
      if (clientId === undefined) return json(response, 401, { error: "invalid_client" });
      const record = opaque.get(form.get("token") ?? "");
      return json(response, 200, record?.active ? { active: true, ...record.claims } : { active: false });
    }
    if (path === "/userinfo" && request.method === "GET") {
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
      const record = opaque.get(token ?? "");
      return record?.active ? json(response, 200, record.claims) : json(response, 401, { error: "invalid_token" });
    }
    json(response, 404, { error: "not_found" });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider: IdentityProvider = {
    issuer,
    jwksUrl: `${issuer}/.well-known/jwks.json`,
    introspectionUrl: `${issuer}/introspect`,
    userinfoUrl: `${issuer}/userinfo`,
    keys,
    requests,
    count: (path, clientId) =>
      requests.filter((r) => (path === undefined || r.path === path) && (clientId === undefined || r.clientId === clientId)).length,
    async sign(claims, signOptions = {}) {
      const key = signOptions.alg === "ES256" ? keys.ec : keys.current;
      const now = Math.floor(Date.now() / 1000);
      const expiresIn = signOptions.expiresInSec === undefined ? 300 : signOptions.expiresInSec;
      const payload: JWTPayload = { iss: issuer, iat: now, ...(expiresIn === null ? {} : { exp: now + expiresIn }), ...claims };
      return new SignJWT(payload)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...signOptions.header } as JWTHeaderParameters)
        .sign(key.privateKey);
    },
    issueOpaque(claims, prefix = "") {
      const token = `${prefix}${randomBytes(24).toString("base64url")}`;
      opaque.set(token, { claims, active: true });
      return token;
    },
    deactivate(token) {
      const record = opaque.get(token);
      if (record !== undefined) record.active = false;
    },
    rotate: (retirePrevious = false) => keys.rotate(retirePrevious),
    delayMs: 0,
    outage: undefined,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return provider;
}

/** The client id an introspection request authenticated as: HTTP Basic or form credentials. */
function introspectionClient(request: IncomingMessage, form: URLSearchParams, clients: Record<string, string>): string | undefined {
  let id = form.get("client_id");
  let secret = form.get("client_secret");
  const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? "")?.[1];
  if (basic !== undefined) {
    const [rawId = "", rawSecret = ""] = Buffer.from(basic, "base64").toString("utf8").split(":");
    id = decodeURIComponent(rawId.replace(/\+/g, " "));
    secret = decodeURIComponent(rawSecret.replace(/\+/g, " "));
  }
  return id !== null && Object.hasOwn(clients, id) && clients[id] === secret ? id : undefined;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}
