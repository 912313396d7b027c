import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, parse } from "yaml";

/** One Kubernetes object as parsed, with the file it came from. */
export interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // Read through the accessors below; the schema check covers the shape.
  [field: string]: unknown;
}

/** The parts of kustomization.yaml the checks read. */
export interface Kustomization {
  namespace?: string;
  resources: string[];
}

/** Reads kustomization.yaml in `dir` and every object of every resource file it lists. */
export function loadKustomization(dir: string): { kustomization: Kustomization; manifests: Manifest[] } {
  const kustomization = parse(readFileSync(join(dir, "kustomization.yaml"), "utf8")) as Kustomization;
  const manifests = kustomization.resources.flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), "utf8")).map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]!.message}`);
      return { ...(document.toJS() as Omit<Manifest, "file">), file } as Manifest;
    }),
  );
  return { kustomization, manifests };
}

type ModelClass = new (data?: object) => { validate(this: unknown): void };

/**
 * What is wrong with a manifest by the Kubernetes API's schemas (those of
 * the `kubernetes-models` package, offline): schema violations, and fields
 * the schema does not know, which the API server refuses under strict field
 * validation but the schemas alone let pass. Unknown fields are found by
 * watching which fields the schema's validator reads: it reads every field
 * it knows, so a field it never reads is one it does not know.
 */
export async function manifestViolations(manifest: Manifest): Promise<string[]> {
  const { file: _file, ...object } = manifest;
  const [group, version] = manifest.apiVersion.includes("/") ? manifest.apiVersion.split("/") : ["", manifest.apiVersion];
  const specifier = group === "" ? `kubernetes-models/${version}/${manifest.kind}` : `kubernetes-models/${group}/${version}/${manifest.kind}`;
  let Model: ModelClass | undefined;
  try {
    Model = ((await import(specifier)) as Record<string, ModelClass>)[manifest.kind];
  } catch {
    Model = undefined;
  }
  if (Model === undefined) return [`${manifest.apiVersion} ${manifest.kind} is not a Kubernetes kind`];
  const read = new Set<string>();
  try {
    new Model().validate.call(tracked(object, "", read));
  } catch (error) {
    return [(error as Error).message];
  }
  return unreadFields(object, "", read).map((path) => `${path}: unknown field`);
}

function tracked(value: unknown, path: string, read: Set<string>): unknown {
  if (value === null || typeof value !== "object") return value;
  return new Proxy(value, {
    get(target, key, receiver) {
      const child = Reflect.get(target, key, receiver);
      if (typeof key !== "string") return child;
      read.add(`${path}/${key}`);
      return tracked(child, `${path}/${key}`, read);
    },
  });
}

function unreadFields(value: unknown, path: string, read: Set<string>): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => unreadFields(item, `${path}/${index}`, read));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, child]) => (read.has(`${path}/${key}`) ? unreadFields(child, `${path}/${key}`, read) : [`${path}/${key}`]));
}
