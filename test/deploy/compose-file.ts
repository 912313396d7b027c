import { readFileSync } from "node:fs";
import { parse } from "yaml";

/** The parts of a Compose service the checks read; the schema check covers the rest. */
export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  deploy?: { replicas?: number | string };
  healthcheck?: { test?: string | string[]; disable?: boolean | string; timeout?: string };
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: (string | number | { target?: number | string; published?: string | number })[];
  volumes?: (string | { type?: string; source?: string; target?: string; read_only?: boolean | string; volume?: { subpath?: string } })[];
  restart?: string;
  container_name?: string;
}

/** A parsed Compose file. */
export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/**
 * Parses a Compose file as Compose does: YAML 1.2 with `<<` merge keys
 * applied, so each service shows what its anchors give it.
 */
export function loadComposeFile(path: string): ComposeFile {
  return parse(readFileSync(path, "utf8"), { merge: true }) as ComposeFile;
}

/** A service's environment as name → value, from either the map or the list form. */
export function environmentOf(service: ComposeService): Record<string, string> {
  const entries = Array.isArray(service.environment)
    ? service.environment.map((item) => {
        const equals = item.indexOf("=");
        return equals === -1 ? [item, ""] : [item.slice(0, equals), item.slice(equals + 1)];
      })
    : Object.entries(service.environment ?? {}).map(([name, value]) => [name, value === null ? "" : String(value)]);
  return Object.fromEntries(entries);
}

/** The services a service waits for, with the condition each is waited on (service_started when unsaid). */
export function dependenciesOf(service: ComposeService): { name: string; condition: string }[] {
  const dependsOn = service.depends_on ?? [];
  return Array.isArray(dependsOn)
    ? dependsOn.map((name) => ({ name, condition: "service_started" }))
    : Object.entries(dependsOn).map(([name, { condition = "service_started" }]) => ({ name, condition }));
}

/** One published port: the host ports it may take (a range for replicas) and the container port. */
export interface PublishedPort {
  hostFrom: number;
  hostTo: number;
  container: number;
}

/**
 * The host ports a service publishes, from the short (`[ip:]host[-host]:container[/proto]`)
 * or long syntax; ports exposed without a host port are left out.
 */
export function publishedPortsOf(service: ComposeService): PublishedPort[] {
  return (service.ports ?? []).flatMap((port): PublishedPort[] => {
    if (typeof port === "object") {
      if (port.published === undefined) return [];
      const [from, to = from] = String(port.published).split("-").map(Number);
      return [{ hostFrom: from!, hostTo: to!, container: Number(port.target) }];
    }
    const parts = String(port).replace(/\/(tcp|udp)$/, "").split(":");
    if (parts.length < 2) return [];
    const [from, to = from] = parts.at(-2)!.split("-").map(Number);
    return [{ hostFrom: from!, hostTo: to!, container: Number(parts.at(-1)) }];
  });
}

/** A volume mount: what is mounted (and which folder of it, if one), where, and whether read-only. */
export function mountsOf(service: ComposeService): { source: string; target: string; readOnly: boolean; subpath?: string }[] {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume === "object") {
      const mount = { source: volume.source ?? "", target: volume.target ?? "", readOnly: volume.read_only === true || volume.read_only === "true" };
      return volume.volume?.subpath === undefined ? mount : { ...mount, subpath: volume.volume.subpath };
    }
    const [source = "", target = "", mode = ""] = volume.split(":");
    return { source, target, readOnly: mode.split(",").includes("ro") };
  });
}
