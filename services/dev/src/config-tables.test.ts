import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readmePath, readmeWithConfigurationTable, serviceConfigTables } from "./config-tables.js";

describe("the README's Configuration table", () => {
  it("is the one `npm run config:docs` writes from every service's config.ts", () => {
    const readme = readFileSync(readmePath, "utf8");
    expect(readmeWithConfigurationTable(readme) === readme, "README.md's Configuration table is stale: run `npm run config:docs`").toBe(true);
  });

  it("lists every variable each service declares", () => {
    const readme = readFileSync(readmePath, "utf8");
    for (const table of serviceConfigTables) {
      for (const variable of table.envNames()) expect(readme, `${table.service}: ${variable}`).toContain(`| \`${variable}\` |`);
    }
  });
});
