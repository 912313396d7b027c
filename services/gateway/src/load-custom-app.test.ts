import { resolve } from "node:path";
import { ConfigError } from "@gatehouse/auth";
import { describe, expect, it } from "vitest";
import { loadCustomApp } from "./load-custom-app.js";

const fixture = (name: string) => resolve(import.meta.dirname, "testing", name);

describe("loadCustomApp", () => {
  it("loads an object with a fetch method", async () => {
    const app = await loadCustomApp({ file: fixture("custom-apps.ts"), exportName: "app" });
    expect(await (await app.fetch(new Request("http://localhost/"))).text()).toBe("hello");
  });

  it("a missing file stops start-up, naming the file and the export", async () => {
    const failure = loadCustomApp({ file: fixture("no-such-app.ts"), exportName: "app" });
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(/cannot load the custom routes' app .*no-such-app\.ts \(export "app"\)/);
  });

  it("a module that throws while loading stops start-up with its message", async () => {
    await expect(loadCustomApp({ file: fixture("throwing-app.ts"), exportName: "app" })).rejects.toThrow(
      /throwing-app\.ts \(export "app"\): the app's database is not configured/,
    );
  });

  it("a missing export stops start-up, listing the exports there are", async () => {
    await expect(loadCustomApp({ file: fixture("custom-apps.ts"), exportName: "api" })).rejects.toThrow(
      /custom-apps\.ts has no export "api" \(exports: app, settings\)/,
    );
  });

  it("an export without a fetch method stops start-up, naming file and export", async () => {
    await expect(loadCustomApp({ file: fixture("custom-apps.ts"), exportName: "settings" })).rejects.toThrow(
      /the custom routes' app .*custom-apps\.ts \(export "settings"\) has no fetch\(request, env\) method/,
    );
  });
});
