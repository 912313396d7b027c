import { HTTPException } from "@gatehouse/auth";
import { providerUnavailable } from "./challenge.js";

/** How one call to an identity provider is bounded. */
export interface ProviderCallOptions {
  /** Names the endpoint in errors and logs, such as "token introspection". */
  what: string;
  /** The call's own time budget. */
  timeoutMs: number;
  /** The caller's signal (authn aborts it at the authenticate time budget). */
  signal?: AbortSignal | undefined;
  /** The largest response body read; a longer one is a provider failure. */
  maxBodyBytes: number;
}

/** A provider's answer: its status and, for JSON bodies, the parsed object. */
export interface ProviderResponse {
  status: number;
  body: Record<string, unknown> | undefined;
}

/**
 * Calls an identity provider endpoint and reads its JSON answer, within a
 * time budget and a body size, never following redirects (a redirect could
 * send the token elsewhere). Failing to get an answer is a 503 (provider
 * unavailable), never a verdict on the token.
 */
export async function callProvider(url: URL, init: RequestInit, options: ProviderCallOptions): Promise<ProviderResponse> {
  const signals = [AbortSignal.timeout(options.timeoutMs)];
  if (options.signal !== undefined) signals.push(options.signal);
  let response: Response;
  try {
    response = await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.any(signals) });
  } catch (cause) {
    const timedOut = (cause as Error | undefined)?.name === "TimeoutError";
    throw providerUnavailable(`${options.what} ${timedOut ? "timed out" : "is unreachable"}`, cause);
  }
  const text = await readBounded(response, options.what, options.maxBodyBytes);
  if (response.status !== 200) return { status: response.status, body: undefined };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw providerUnavailable(`${options.what} answered with a body that is not JSON`, cause);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw providerUnavailable(`${options.what} answered with JSON that is not an object`);
  }
  return { status: 200, body: body as Record<string, unknown> };
}

/** Reads a response body up to maxBodyBytes; a longer body is a provider failure. */
export async function readBounded(response: Response, what: string, maxBodyBytes: number): Promise<string> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBodyBytes) {
        await reader.cancel();
        throw providerUnavailable(`${what} answered with more than ${maxBodyBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (cause) {
    if (cause instanceof HTTPException) throw cause;
    throw providerUnavailable(`${what} broke off its answer`, cause);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const loopbackHosts = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Parses an identity-provider URL and refuses cleartext to anything but
 * loopback: over plain http a network attacker could read the tokens sent
 * or serve their own signing keys.
 */
export function providerUrl(url: string | URL, what: string): URL {
  const parsed = new URL(url);
  if (parsed.protocol === "https:") return parsed;
  if (parsed.protocol === "http:" && loopbackHosts.has(parsed.hostname)) return parsed;
  throw new TypeError(`${what} must be an https URL (http only on loopback), got ${parsed.protocol}//${parsed.host}`);
}
