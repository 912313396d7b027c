/**
 * Fails when the committed generated code differs from what `buf generate`
 * produces from proto/ now, so a contract change cannot ship without its code.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";

const repoRoot = resolve(import.meta.dirname, "../../..");
const committedDir = join(repoRoot, "libs/contracts/src/gen");

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

function snapshot(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((file) => [relative(dir, file), readFileSync(file, "utf8")]));
}

const scratch = mkdtempSync(join(tmpdir(), "gatehouse-gen-"));
try {
  execFileSync("npx", ["buf", "generate", "--template", "proto/buf.gen.yaml", "-o", scratch], {
    cwd: repoRoot,
    stdio: "inherit",
  });
  const fresh = snapshot(join(scratch, "libs/contracts/src/gen"));
  const committed = snapshot(committedDir);
  const stale = [...new Set([...fresh.keys(), ...committed.keys()])].filter(
    (file) => fresh.get(file) !== committed.get(file),
  );
  if (stale.length > 0) {
    console.error(`Generated code is stale; run \`npm run generate\`. Differing files:\n  ${stale.join("\n  ")}`);
    process.exit(1);
  }
  console.log(`Generated code is up to date (${fresh.size} files).`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
