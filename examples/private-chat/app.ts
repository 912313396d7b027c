/**
 * Custom routes for the private-chat example, served by the gateway beside
 * the LangGraph API (README "Custom routes"). Every request reaches them
 * authenticated by auth.ts's callback, exactly as the built-in routes are;
 * a handler reads the caller from `c.env.auth`.
 */
import type { CustomRouteEnv } from "@gatehouse/auth";
import { Hono } from "hono";

export const app = new Hono<{ Bindings: CustomRouteEnv }>();

/** Who the caller is, as the authenticate callback said. */
app.get("/me", (c) => {
  const { user } = c.env.auth;
  return c.json({ identity: user.identity, display_name: user.display_name, permissions: user.permissions });
});

/** A greeting for the name in the path, from the caller. */
app.get("/hello/:name", (c) => c.json({ greeting: `Hello, ${c.req.param("name")}!`, from: c.env.auth.user.identity }));

/** The JSON body sent, back to its sender. */
app.post("/echo", async (c) => c.json({ from: c.env.auth.user.identity, received: await c.req.json() }));

// The body Gatehouse's own routes answer a path they do not have with, so a client sees one 404.
app.notFound((c) => c.json({ detail: "Not Found" }, 404));
