import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Logger } from "@gatehouse/server";

// Headers Node writes itself for the connection it manages; a copy from the app's Response would contradict them.
const connectionOwned = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade"]);

/**
 * Writes a custom route's Fetch Response: its status, its headers (each
 * `Set-Cookie` apart, as Fetch keeps them) with `extraHeaders` over them,
 * and its body as the app produces it, waiting for the socket to drain so a
 * slow reader holds the app back instead of filling memory. A caller that
 * goes away cancels the body, so the app stops producing it. A body that
 * fails once bytes were sent cannot change the status any more: the
 * connection is cut, so the caller sees a truncated answer, never a
 * complete-looking one.
 */
export async function writeFetchResponse(target: ServerResponse, source: Response, extraHeaders: Record<string, string>, logger: Logger): Promise<void> {
  if (target.destroyed) {
    await source.body?.cancel().catch(() => {});
    return;
  }
  const headers: OutgoingHttpHeaders = {};
  source.headers.forEach((value, name) => {
    if (!connectionOwned.has(name) && name !== "set-cookie") headers[name] = value;
  });
  const cookies = source.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  target.writeHead(source.status, { ...headers, ...extraHeaders });
  if (source.body === null) {
    target.end();
    return;
  }
  const reader = source.body.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  target.once("close", cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || target.destroyed) break;
      if (!target.write(value)) await drainedOrClosed(target);
    }
    if (!target.destroyed) target.end();
  } catch (error) {
    logger.error({ err: error }, "a custom route's response body failed");
    target.destroy();
  } finally {
    target.off("close", cancel);
  }
}

/** Resolves when the socket can take more, or is gone; either way both listeners go, so a long body does not pile them up. */
function drainedOrClosed(target: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      target.off("drain", done).off("close", done);
      resolve();
    };
    target.on("drain", done).on("close", done);
  });
}
