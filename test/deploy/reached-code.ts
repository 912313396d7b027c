import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

/** What a service's code can reach from its entry file. */
export interface ReachedCode {
  /** String literals, and the NAME of every `process.env.NAME`. */
  strings: ReadonlySet<string>;
  /** Identifiers outside type positions: the names of what the code calls and uses. */
  identifiers: ReadonlySet<string>;
}

/**
 * Walks a service's code from services/<service>/src/main.ts through the
 * top-level functions, classes and constants it names, in its own sources
 * and in libs/*\/src, and collects the strings and identifiers they contain.
 * So "the service reads FOO" means `"FOO"` or `process.env.FOO` is in code
 * its entry file reaches, not merely somewhere in a lib it imports.
 * Declarations are matched by name, so a shared name can only widen what is
 * reached, never narrow it.
 */
export function reachedCode(repoRoot: string, service: string): ReachedCode {
  const files = [
    ...sourceFiles(join(repoRoot, "services", service, "src")),
    ...readdirSync(join(repoRoot, "libs")).flatMap((lib) => sourceFiles(join(repoRoot, "libs", lib, "src"))),
  ];
  const declarations = new Map<string, ts.Node[]>();
  const moduleBodies = new Map<ts.SourceFile, ts.Node[]>();
  const entry = join(repoRoot, "services", service, "src", "main.ts");
  let entryFile: ts.SourceFile | undefined;
  for (const path of files) {
    const file = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.ES2022, true);
    if (path === entry) entryFile = file;
    const body: ts.Node[] = [];
    for (const statement of file.statements) {
      const names = declaredNames(statement);
      if (names === undefined) body.push(statement);
      for (const name of names ?? []) declarations.set(name, [...(declarations.get(name) ?? []), statement]);
    }
    moduleBodies.set(file, body);
  }
  if (entryFile === undefined) throw new Error(`${entry} does not exist`);

  const strings = new Set<string>();
  const identifiers = new Set<string>();
  const visited = new Set<ts.Node>();
  const visitedFiles = new Set<ts.SourceFile>();
  const pending: ts.Node[] = [...entryFile.statements];
  visitedFiles.add(entryFile);
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (visited.has(node)) continue;
    visited.add(node);
    const file = node.getSourceFile();
    if (!visitedFiles.has(file)) {
      // A module's top-level statements run when it is imported.
      visitedFiles.add(file);
      pending.push(...(moduleBodies.get(file) ?? []));
    }
    collect(node, strings, (name) => {
      if (identifiers.has(name)) return;
      identifiers.add(name);
      pending.push(...(declarations.get(name) ?? []));
    });
  }
  return { strings, identifiers };
}

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir, { recursive: true, encoding: "utf8" });
  } catch {
    return [];
  }
  return entries
    .filter((path) => path.endsWith(".ts") && !path.endsWith(".test.ts") && !path.endsWith(".d.ts") && !path.split("/").includes("gen"))
    .map((path) => join(dir, path));
}

/** The names a top-level statement declares; undefined for statements that run (or only import, export or type). */
function declaredNames(statement: ts.Statement): string[] | undefined {
  if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) {
    return statement.name ? [statement.name.text] : undefined;
  }
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.flatMap((declaration) => bindingNames(declaration.name));
  }
  if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) {
    return [];
  }
  return undefined;
}

function bindingNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((element) => (ts.isBindingElement(element) ? bindingNames(element.name) : []));
}

function collect(node: ts.Node, strings: Set<string>, onIdentifier: (name: string) => void): void {
  if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) strings.add(node.text);
  else if (ts.isPropertyAccessExpression(node) && node.expression.getText() === "process.env") strings.add(node.name.text);
  else if (ts.isIdentifier(node)) onIdentifier(node.text);
  ts.forEachChild(node, (child) => collect(child, strings, onIdentifier));
}
