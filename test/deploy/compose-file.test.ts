/**
 * docker-compose.yml, checked without a Docker engine: against the Compose
 * specification's schema, and against the code it runs, so the file cannot
 * drift from the entry files, variables, ports and health endpoints it names.
 */
import { existsSync, readFileSync } from "node:fs";
import { posix } from "node:path";
import { describe, expect, it } from "vitest";
import { dependenciesOf, environmentOf, loadComposeFile, mountsOf, publishedPortsOf, type ComposeService } from "./compose-file.js";
import { composeSpecViolations } from "./compose-schema.js";
import { readDockerImage } from "./dockerfile.js";
import { declaredVariables, listensWithMutualTls } from "./declared-config.js";
import { reachedCode, type ReachedCode } from "./reached-code.js";
import { fromRoot } from "../support/test-gatehouse.js";

const compose = loadComposeFile(fromRoot("docker-compose.yml"));
const image = readDockerImage(fromRoot("Dockerfile"));
const rootScripts = (JSON.parse(readFileSync(fromRoot("package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
const services = Object.entries(compose.services);

const tls = ["GATEHOUSE_TLS_CA", "GATEHOUSE_TLS_CERT", "GATEHOUSE_TLS_KEY"];

/** Services whose containers run to completion and that others wait for. */
const oneShot = new Set(services.flatMap(([, service]) => dependenciesOf(service)).filter((dependency) => dependency.condition === "service_completed_successfully").map((dependency) => dependency.name));
const longRunning = services.filter(([name]) => !oneShot.has(name));
/** Gatehouse's own long-running services, each from services/<name>. */
const gatehouse = longRunning.filter(([, service]) => service.build !== undefined);
const replicated = ["authn", "authz", "worker", "store"];

const reached = new Map<string, ReachedCode>();
function codeOf(name: string): ReachedCode {
  if (!reached.has(name)) reached.set(name, reachedCode(fromRoot("."), name));
  return reached.get(name)!;
}

function commandOf(service: ComposeService): string[] {
  const command = service.command ?? [];
  return Array.isArray(command) ? command : command.split(/\s+/);
}

/** The file a `node --import tsx <file>` command runs, relative to the image's working directory. */
function entryFileOf(command: readonly string[]): string | undefined {
  const node = command.indexOf("node");
  if (node === -1) return undefined;
  return command.slice(node + 1).find((arg, index, rest) => !arg.startsWith("-") && rest[index - 1] !== "--import");
}

function portOf(name: string): string | undefined {
  return environmentOf(compose.services[name]!)[`${name.toUpperCase()}_PORT`];
}

/** A health check that runs the health probe: its flags, target and optional service name. */
function probeOf(service: ComposeService): { script: string; flags: string[]; target: string; serviceName?: string } | undefined {
  const test = service.healthcheck?.test;
  if (!Array.isArray(test) || test[0] !== "CMD") return undefined;
  const script = entryFileOf(test.slice(1));
  if (script === undefined || !script.endsWith("health-probe.ts")) return undefined;
  const args = test.slice(test.indexOf(script) + 1);
  const [target, serviceName] = args.filter((arg) => !arg.startsWith("--"));
  return { script, flags: args.filter((arg) => arg.startsWith("--")), target: target!, serviceName };
}

describe("docker-compose.yml against the Compose specification", () => {
  it("conforms to the Compose specification's JSON schema", () => {
    expect(composeSpecViolations(compose)).toEqual([]);
  });

  it("the schema check catches a misspelt key and a wrongly typed field, so passing it means something", () => {
    const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services.authn!.healtcheck = broken.services.authn!.healthcheck;
    broken.services.authz!.deploy = { replicas: [2] };
    expect(composeSpecViolations(broken)).toEqual([
      "/services/authn: must NOT have additional properties (healtcheck)",
      "/services/authz/deploy/replicas: must be integer,string",
    ]);
  });
});

describe("docker-compose.yml against the code", () => {
  it("runs every Gatehouse service from an entry file that exists and is copied into the image", () => {
    expect(image.workdir).toBe("/app");
    for (const [name, service] of gatehouse) {
      const entry = entryFileOf(commandOf(service));
      expect(entry, name).toBe(`services/${name}/src/main.ts`);
      expect(existsSync(fromRoot(entry!)), entry).toBe(true);
      expect(image.contains(entry!), `${entry} in the image`).toBe(true);
    }
  });

  it("runs only npm scripts the root package.json defines, whose entry files exist", () => {
    const run = services.flatMap(([, service]) => [...commandOf(service).join(" ").matchAll(/npm run (\S+)/g)].map((match) => match[1]!));
    expect(run.length).toBeGreaterThan(0);
    for (const script of run) {
      if (rootScripts[script] === undefined) {
        expect.fail(`npm run ${script} is not in package.json`);
      }
      const entry = entryFileOf(rootScripts[script]!.split(/\s+/));
      expect(entry && existsSync(fromRoot(entry)) && image.contains(entry), `npm run ${script} runs ${entry}`).toBe(true);
    }
  });

  it("names a config file, and an auth module in it, that exist and are in the image", () => {
    for (const [name, service] of gatehouse) {
      const configPath = posix.relative(image.workdir, environmentOf(service).GATEHOUSE_CONFIG ?? "");
      expect(image.contains(configPath), `${name}: ${configPath} in the image`).toBe(true);
      const config = JSON.parse(readFileSync(fromRoot(configPath), "utf8")) as { auth: { path: string } };
      const authModule = posix.join(posix.dirname(configPath), config.auth.path.split(":")[0]!);
      expect(existsSync(fromRoot(authModule)) && image.contains(authModule), `${name}: ${authModule}`).toBe(true);
    }
  });

  it("sets for each Gatehouse service only variables its config.ts declares", () => {
    for (const [name, service] of gatehouse) {
      const unread = Object.keys(environmentOf(service)).filter((variable) => !declaredVariables(name).has(variable));
      expect(unread, `${name} never declares`).toEqual([]);
    }
  });

  it("points every *_TARGET at a compose service and the port it listens on, on all interfaces", () => {
    const targets = gatehouse.flatMap(([, service]) => Object.entries(environmentOf(service)).filter(([variable]) => variable.endsWith("_TARGET")));
    expect(targets.map(([variable]) => variable).sort()).toEqual(["AUTHN_TARGET", "AUTHZ_TARGET", "STORE_TARGET", "WORKER_TARGET"]);
    for (const [variable, target] of targets) {
      // dns:/// makes grpc-js resolve every replica's address and balance round-robin across them.
      const match = /^dns:\/\/\/([^:/]+):(\d+)$/.exec(target);
      expect(match, `${variable}=${target} is a dns:/// target`).not.toBeNull();
      const [, host, port] = match!;
      expect(compose.services[host!], `${variable} names a service`).toBeDefined();
      expect(port, `${variable} uses ${host}'s port`).toBe(portOf(host!));
      expect(environmentOf(compose.services[host!]!)[`${host!.toUpperCase()}_HOST`], `${host} listens on all interfaces`).toBe("0.0.0.0");
    }
  });

  it("gives every long-running service a health check, and Gatehouse services probe their own port", () => {
    for (const [name, service] of longRunning) {
      const test = service.healthcheck?.test;
      expect(service.healthcheck?.disable, name).toBeFalsy();
      expect(Array.isArray(test) && ["CMD", "CMD-SHELL"].includes(test[0]!), `${name} has a health check`).toBe(true);
    }
    for (const [name, service] of gatehouse) {
      const probe = probeOf(service);
      expect(probe, `${name} runs the health probe`).toBeDefined();
      expect(existsSync(fromRoot(probe!.script)) && image.contains(probe!.script), probe!.script).toBe(true);
      const address = probe!.target.replace(/^https?:\/\//, "").split("/")[0];
      expect(address, `${name} probes itself`).toBe(`127.0.0.1:${portOf(name)}`);
    }
  });

  it("asks grpc.health.v1 of services that serve it, and only waits for a connection to those that do not", () => {
    for (const [name, service] of gatehouse) {
      const probe = probeOf(service)!;
      if (probe.target.startsWith("http")) continue;
      const servesHealth = codeOf(name).identifiers.has("addOperations");
      const connectOnly = probe.flags.includes("--connect");
      expect(connectOnly, servesHealth ? `${name} serves grpc.health.v1 now: drop --connect from its health check` : `${name} serves no grpc.health.v1`).toBe(!servesHealth);
    }
  });

  it("dials each service's own port the way it listens: mutual TLS where the server uses it, plaintext where it only calls out over TLS", () => {
    for (const [name, service] of gatehouse) {
      const probe = probeOf(service)!;
      if (probe.target.startsWith("http")) continue;
      const holdsTlsSettings = "GATEHOUSE_TLS_CERT" in environmentOf(service);
      const listensWithTls = listensWithMutualTls(name);
      expect(probe.flags.includes("--plaintext"), `${name}: the probe's transport matches its server's`).toBe(holdsTlsSettings && !listensWithTls);
    }
  });

  it("checks the gateway's health with a GET of a route the gateway serves", () => {
    const probe = probeOf(compose.services.gateway!)!;
    const url = new URL(probe.target);
    expect(url.protocol).toBe("http:");
    expect(codeOf("gateway").strings.has(url.pathname), `the gateway serves ${url.pathname}`).toBe(true);
  });

  it("runs two replicas each of authn, authz, the worker and the store, with no fixed container name", () => {
    for (const name of replicated) {
      expect(compose.services[name]?.deploy?.replicas, name).toBe(2);
    }
    for (const [name, service] of services) {
      expect(service.container_name, `${name} has no container_name`).toBeUndefined();
    }
  });

  it("starts services in order: every dependency exists and is waited for healthy, or completed for one-shot jobs", () => {
    for (const [name, service] of services) {
      for (const { name: dependency, condition } of dependenciesOf(service)) {
        const target = compose.services[dependency];
        expect(target, `${name} depends on ${dependency}`).toBeDefined();
        expect(["service_healthy", "service_completed_successfully"], `${name} → ${dependency}`).toContain(condition);
        if (condition === "service_healthy") expect(target!.healthcheck?.test, `${dependency} has a health check`).toBeDefined();
        // A job that exits must not be restarted, or it never counts as completed.
        else expect(target!.restart ?? "no", `${dependency} is not restarted`).toBe("no");
      }
    }
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (name: string, path: string[]) => {
      expect(visiting.has(name), `no cycle: ${[...path, name].join(" → ")}`).toBe(false);
      if (done.has(name)) return;
      visiting.add(name);
      for (const { name: dependency } of dependenciesOf(compose.services[name]!)) visit(dependency, [...path, name]);
      visiting.delete(name);
      done.add(name);
    };
    for (const [name] of services) visit(name, []);
    expect(dependenciesOf(compose.services.store!).map((dependency) => dependency.name).sort()).toEqual(["authn", "authz", "certs", "postgres", "redis", "worker"]);
    expect(dependenciesOf(compose.services.gateway!).map((dependency) => dependency.name)).toEqual(["store"]);
  });

  it("publishes host ports that never collide, between services or between replicas", () => {
    const taken: { name: string; from: number; to: number }[] = [];
    for (const [name, service] of services) {
      const replicas = Number(service.deploy?.replicas ?? 1);
      for (const port of publishedPortsOf(service)) {
        expect(port.hostTo - port.hostFrom + 1, `${name} has a host port for each of its ${replicas} replicas`).toBeGreaterThanOrEqual(replicas);
        const clash = taken.find((other) => port.hostFrom <= other.to && other.from <= port.hostTo);
        expect(clash, `${name} publishes ${port.hostFrom}-${port.hostTo}`).toBeUndefined();
        taken.push({ name, from: port.hostFrom, to: port.hostTo });
      }
    }
    expect(publishedPortsOf(compose.services.gateway!)).toEqual([{ hostFrom: 8123, hostTo: 8123, container: Number(portOf("gateway")) }]);
    expect(publishedPortsOf(compose.services.store!)).toEqual([{ hostFrom: 50051, hostTo: 50052, container: Number(portOf("store")) }]);
  });

  it("gives every service that speaks mutual TLS read-only access to its own certificate, key and the CA alone, after they are written", () => {
    expect(compose.volumes).toHaveProperty("certs");
    expect(commandOf(compose.services.certs!).join(" ")).toContain("npm run certs -- --out /certs --per-service");
    expect(mountsOf(compose.services.certs!)).toEqual([{ source: "certs", target: "/certs", readOnly: false }]);
    const speakingTls = gatehouse.filter(([name]) => tls.every((variable) => declaredVariables(name).has(variable)));
    expect(speakingTls.map(([name]) => name).sort()).toEqual(["authn", "authz", "store", "worker"]);
    for (const [name, service] of speakingTls) {
      // Only its own folder (its pair and the CA), so no service can read another's key.
      expect(mountsOf(service), name).toContainEqual({ source: "certs", target: "/certs", readOnly: true, subpath: name });
      expect(environmentOf(service), name).toMatchObject({
        GATEHOUSE_TLS_CA: "/certs/ca.pem",
        GATEHOUSE_TLS_CERT: `/certs/${name}.pem`,
        GATEHOUSE_TLS_KEY: `/certs/${name}-key.pem`,
      });
      expect(dependenciesOf(service), name).toContainEqual({ name: "certs", condition: "service_completed_successfully" });
    }
  });

  it("shares one Redis and one cache secret, required from the environment, among the services that cache identities or count rates", () => {
    // The worker reads REDIS_URL too, for run events; it caches no identity and holds no cache secret.
    const caching = gatehouse.filter(([name]) => declaredVariables(name).has("GATEHOUSE_CACHE_SECRET"));
    expect(caching.map(([name]) => name).sort()).toEqual(["authn", "gateway", "store"]);
    const settings = caching.map(([, service]) => {
      const { REDIS_URL, GATEHOUSE_CACHE_SECRET } = environmentOf(service);
      return { REDIS_URL, GATEHOUSE_CACHE_SECRET };
    });
    expect(new Set(settings.map((setting) => JSON.stringify(setting))).size).toBe(1);
    expect(settings[0]!.REDIS_URL).toBe("redis://redis:6379");
    // ${NAME:?message} makes `docker compose up` refuse to start without it: no default secret to forget.
    expect(settings[0]!.GATEHOUSE_CACHE_SECRET).toMatch(/^\$\{GATEHOUSE_CACHE_SECRET:\?[^}]+\}$/);
  });

  it("serves metrics on all interfaces, on a port apart from each service's own", () => {
    for (const [name, service] of gatehouse) {
      const environment = environmentOf(service);
      expect(environment.METRICS_HOST, name).toBe("0.0.0.0");
      expect(environment.METRICS_PORT, name).toMatch(/^\d+$/);
      expect(environment.METRICS_PORT, name).not.toBe(portOf(name));
    }
  });
});
