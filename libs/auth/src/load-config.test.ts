import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./load-config.js";

describe("loadConfig", () => {
  let dir: string;
  let written = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gatehouse-config-"));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes a gatehouse.json with the auth module and these extra sections, and loads it. */
  async function load(sections: Record<string, unknown>) {
    const path = join(dir, `gatehouse-${++written}.json`);
    await writeFile(path, JSON.stringify({ auth: { path: "./auth.ts:auth" }, graphs: {}, ...sections }));
    return loadConfig(path);
  }

  it("resolves the auth module against the config file's folder, its export 'auth' unless named", async () => {
    expect(await load({})).toMatchObject({ authFile: join(dir, "auth.ts"), authExport: "auth" });
    expect(await load({ auth: { path: "./lib/custom.ts" } })).toMatchObject({ authFile: join(dir, "lib/custom.ts"), authExport: "auth" });
  });

  it("without an http section there is no app and nothing is ignored", async () => {
    expect((await load({})).http).toEqual({ app: undefined, ignored: [] });
  });

  it("reads http.app relative to the config file, with its named export", async () => {
    expect((await load({ http: { app: "./src/app.ts:api" } })).http.app).toEqual({ file: join(dir, "src/app.ts"), exportName: "api" });
  });

  it("reads the export 'app' when http.app names none, as auth.path defaults to 'auth'", async () => {
    expect((await load({ http: { app: "./src/app.ts" } })).http.app).toEqual({ file: join(dir, "src/app.ts"), exportName: "app" });
  });

  it.each([
    ["a string", { http: "./app.ts:app" }, /"http" must be an object/],
    ["null", { http: null }, /"http" must be an object/],
    ["an array", { http: [] }, /"http" must be an object/],
    ["an app that is not a string", { http: { app: 42 } }, /"http\.app" must name the custom routes' app, such as "\.\/app\.ts:app"/],
    ["an empty app", { http: { app: "" } }, /"http\.app" must name/],
    ["an app with an empty export", { http: { app: "./app.ts:" } }, /"http\.app" ends with ":" but names no export/],
  ])("refuses %s with a ConfigError naming the field", async (_what, sections, message) => {
    const failure = load(sections);
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(message);
  });

  it("keeps LangGraph's other http keys without acting on them, saying why for each", async () => {
    const { http } = await load({
      http: { app: "./app.ts", cors: { allow_origins: ["*"] }, disable_threads: true, enable_custom_route_auth: false, mount_prefix: "/x", something_new: 1 },
    });
    expect(Object.fromEntries(http.ignored.map(({ key, why }) => [key, why]))).toEqual({
      cors: expect.stringMatching(/no CORS headers/),
      disable_threads: expect.stringMatching(/built-in routes are always served/),
      enable_custom_route_auth: expect.stringMatching(/authenticates every request to a custom route.*fail closed/),
      mount_prefix: expect.stringMatching(/paths the app declares/),
      something_new: "Gatehouse does not implement it",
    });
  });

  it("enable_custom_route_auth: true is what Gatehouse does anyway, so it is not reported", async () => {
    expect((await load({ http: { enable_custom_route_auth: true } })).http).toEqual({ app: undefined, ignored: [] });
  });

  it("still refuses a missing auth.path with its own message", async () => {
    await expect(load({ auth: {} })).rejects.toThrow(/"auth\.path" must name the auth module, such as "\.\/auth\.ts:auth"/);
  });
});
