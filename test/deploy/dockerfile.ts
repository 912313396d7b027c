import { readFileSync } from "node:fs";
import { posix } from "node:path";

/** What a single-stage Dockerfile puts in its image: its working directory and the repository paths it copies there. */
export interface DockerImage {
  workdir: string;
  /** Whether a repository path (relative to the build context) is in the image. */
  contains(path: string): boolean;
}

/**
 * Reads a Dockerfile's WORKDIR and COPY instructions. Only copies into the
 * working directory under the same relative path are understood, which is
 * how this repository's Dockerfile lays the source out.
 */
export function readDockerImage(path: string): DockerImage {
  let workdir = "/";
  const sources: string[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const [instruction, ...args] = line.trim().split(/\s+/);
    if (instruction === "WORKDIR") workdir = posix.resolve(workdir, args[0]!);
    if (instruction === "COPY") {
      const paths = args.filter((arg) => !arg.startsWith("--"));
      sources.push(...paths.slice(0, -1).map((source) => posix.normalize(source)));
    }
  }
  return {
    workdir,
    contains: (file) => {
      const normalized = posix.normalize(file);
      return sources.some((source) => normalized === source || normalized.startsWith(`${source}/`));
    },
  };
}
