import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { route, type Route } from "./route.js";

const folder = new URL("../chat/", import.meta.url);

const assets: ReadonlyArray<[path: string, file: string, contentType: string]> = [
  ["/chat", "index.html", "text/html; charset=utf-8"],
  ["/chat/chat.js", "chat.js", "text/javascript; charset=utf-8"],
  ["/chat/chat.css", "chat.css", "text/css; charset=utf-8"],
];

// The page loads only its own files and calls only this origin.
const pageHeaders = {
  "content-security-policy": "default-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "cache-control": "no-cache",
};

/**
 * The tutorial's chat page (README, "The chat page"): static files read once
 * at start-up, served without authentication — the page itself holds no data;
 * every call it makes carries the chosen user's token and is authorized like
 * any other client's.
 */
export function chatPageRoutes(): Route[] {
  return assets.map(([path, file, contentType]) => {
    const content = readFileSync(fileURLToPath(new URL(file, folder)));
    return route("GET", path, async () => ({ status: 200, raw: { contentType, content }, headers: pageHeaders }), { readsBody: false });
  });
}
