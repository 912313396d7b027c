/**
 * deploy/kubernetes, checked without a cluster: against the Kubernetes API's
 * schemas, and against the code it runs, so the manifests cannot drift from
 * the entry files, variables, ports, health endpoints and internal calls
 * they name.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { posix } from "node:path";
import { describe, expect, it } from "vitest";
import { readDockerImage } from "./dockerfile.js";
import { loadKustomization, manifestViolations, type Manifest } from "./kubernetes-manifests.js";
import { declaredVariables, listensWithMutualTls } from "./declared-config.js";
import { reachedCode, type ReachedCode } from "./reached-code.js";
import { fromRoot } from "../support/test-gatehouse.js";

const dir = fromRoot("deploy/kubernetes");
const { kustomization, manifests } = loadKustomization(dir);
const image = readDockerImage(fromRoot("Dockerfile"));
const namespace = kustomization.namespace ?? "";

/** Gatehouse's services; the worker is being built, so its code checks wait for services/worker. */
const gatehouse = ["authn", "authz", "store", "gateway", "worker"] as const;
type ServiceName = (typeof gatehouse)[number];
const built = (name: ServiceName) => existsSync(fromRoot(`services/${name}/src/main.ts`));
const componentLabel = "app.kubernetes.io/component";

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Port {
  name?: string;
  containerPort: number;
}
interface Probe {
  grpc?: { port: number; service?: string };
  httpGet?: { path: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
}
interface Container {
  name: string;
  image: string;
  command: string[];
  ports: Port[];
  env: EnvVar[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; runAsNonRoot?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string }; configMap?: { name: string } }[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  automountServiceAccountToken?: boolean;
}
interface Deployment {
  spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}
interface Service {
  spec: { clusterIP?: string; selector: Record<string, string>; ports: { name?: string; port: number; targetPort?: number | string }[] };
}
interface PodDisruptionBudget {
  spec: { minAvailable?: number; maxUnavailable?: number; selector: { matchLabels: Record<string, string> } };
}
interface NetworkPolicy {
  spec: {
    podSelector: { matchLabels?: Record<string, string> };
    policyTypes?: string[];
    ingress?: { from?: { podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: unknown; ipBlock?: unknown }[]; ports?: { port?: number | string }[] }[];
  };
}

function the<T>(kind: string, name: string): T & Manifest {
  const found = manifests.filter((manifest) => manifest.kind === kind && manifest.metadata.name === name);
  expect(found, `one ${kind} ${name}`).toHaveLength(1);
  return found[0] as T & Manifest;
}
const ofKind = <T,>(kind: string) => manifests.filter((manifest) => manifest.kind === kind) as (T & Manifest)[];
const containerOf = (name: ServiceName) => the<Deployment>("Deployment", name).spec.template.spec.containers[0]!;
const podOf = (name: ServiceName) => the<Deployment>("Deployment", name).spec.template.spec;
const envOf = (name: ServiceName) => Object.fromEntries(containerOf(name).env.map((variable) => [variable.name, variable]));
const envValue = (name: ServiceName, variable: string) => envOf(name)[variable]?.value;
/** The port a service listens on, from its <NAME>_PORT. */
const listenPort = (name: ServiceName) => Number(envValue(name, `${name.toUpperCase()}_PORT`));

const reached = new Map<string, ReachedCode>();
function codeOf(name: ServiceName): ReachedCode {
  if (!reached.has(name)) reached.set(name, reachedCode(fromRoot("."), name));
  return reached.get(name)!;
}
/** Services that listen with mutual TLS, by their code. */
const listensWithTls = (name: ServiceName) => built(name) && listensWithMutualTls(name);

/** The container port a probe or Service names, by number or by name. */
function containerPortOf(container: Container, port: number | string | undefined): number | undefined {
  if (typeof port === "number") return container.ports.some((entry) => entry.containerPort === port) ? port : undefined;
  return container.ports.find((entry) => entry.name === port)?.containerPort;
}

describe("deploy/kubernetes against the Kubernetes API's schemas", () => {
  it("lists every manifest of the folder in kustomization.yaml, and sets one namespace", () => {
    const files = readdirSync(dir).filter((file) => file.endsWith(".yaml") && file !== "kustomization.yaml");
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    expect(namespace).toMatch(/^[a-z0-9-]+$/);
    expect(the("Namespace", namespace)).toBeDefined();
  });

  it("conforms to the Kubernetes schemas, with no field the API does not know", async () => {
    for (const manifest of manifests) {
      expect(await manifestViolations(manifest), `${manifest.file}: ${manifest.kind} ${manifest.metadata.name}`).toEqual([]);
    }
  });

  it("the schema check catches a misspelt key, a wrongly typed field and an unknown kind, so passing it means something", async () => {
    const broken = structuredClone(the<Deployment>("Deployment", "store")) as unknown as Manifest & { spec: Record<string, unknown> };
    broken.spec.replicsa = 2;
    expect(await manifestViolations(broken)).toEqual(["/spec/replicsa: unknown field"]);
    broken.spec.replicas = "2";
    expect(await manifestViolations(broken)).toEqual(["data/spec/replicas must be integer"]);
    expect(await manifestViolations({ ...broken, kind: "Deploymant" })).toEqual(["apps/v1 Deploymant is not a Kubernetes kind"]);
  });
});

describe("deploy/kubernetes against the code", () => {
  it("has one Deployment, one headless Service and one PodDisruptionBudget per service, selecting the same pods", () => {
    expect(ofKind("Deployment").map((manifest) => manifest.metadata.name).sort()).toEqual([...gatehouse].sort());
    for (const name of gatehouse) {
      const deployment = the<Deployment>("Deployment", name);
      const labels = deployment.spec.template.metadata.labels;
      expect(labels[componentLabel], name).toBe(name);
      expect(labels, name).toMatchObject(deployment.spec.selector.matchLabels);
      const service = the<Service>("Service", name);
      expect(service.spec.clusterIP, `${name} is headless: clients balance over every pod`).toBe("None");
      expect(labels, `${name}'s Service selects its pods`).toMatchObject(service.spec.selector);
      const budget = the<PodDisruptionBudget>("PodDisruptionBudget", name);
      expect(labels, `${name}'s budget selects its pods`).toMatchObject(budget.spec.selector.matchLabels);
      expect(budget.spec.minAvailable, name).toBeGreaterThanOrEqual(1);
      expect(budget.spec.minAvailable, `${name} can still be drained one pod at a time`).toBeLessThan(deployment.spec.replicas);
    }
  });

  it("runs every service from its entry file in the image, the worker's once it is built", () => {
    expect(image.workdir).toBe("/app");
    for (const name of gatehouse) {
      const entry = `services/${name}/src/main.ts`;
      expect(containerOf(name).command, name).toEqual(["node", "--import", "tsx", entry]);
      expect(containerOf(name).image, name).toBe("gatehouse");
      if (!built(name)) continue;
      expect(image.contains(entry), `${entry} in the image`).toBe(true);
    }
  });

  it("sets for each service only variables its config.ts declares", () => {
    const unbuilt = gatehouse.filter((name) => !built(name));
    if (unbuilt.length > 0) console.warn(`kubernetes-manifests: not checking the variables of ${unbuilt.join(", ")}: no services/<name>/src/main.ts yet`);
    for (const name of gatehouse.filter(built)) {
      const unread = containerOf(name).env.map((variable) => variable.name).filter((variable) => !declaredVariables(name).has(variable));
      expect(unread, `${name} never reads`).toEqual([]);
    }
  });

  it("listens on all interfaces, on the port its container and Service declare", () => {
    for (const name of gatehouse) {
      expect(envValue(name, `${name.toUpperCase()}_HOST`), name).toBe("0.0.0.0");
      const port = listenPort(name);
      const service = the<Service>("Service", name);
      expect(service.spec.ports.map((entry) => entry.port), name).toEqual([port]);
      expect(containerPortOf(containerOf(name), service.spec.ports[0]!.targetPort), `${name}'s Service targets its port`).toBe(port);
    }
  });

  it("points every *_TARGET at a Service's short dns:/// name, which its certificate carries, and the port it serves", () => {
    const targets = gatehouse.flatMap((name) => containerOf(name).env.filter((variable) => variable.name.endsWith("_TARGET")));
    expect(targets.map((variable) => variable.name).sort()).toEqual(["AUTHN_TARGET", "AUTHZ_TARGET", "STORE_TARGET", "WORKER_TARGET"]);
    for (const { name: variable, value } of targets) {
      // dns:/// over a headless Service resolves every pod's address, and grpc-js balances round-robin across them.
      // The short name resolves in the pod's own namespace, and is the name TLS checks: `npm run certs` puts it in each certificate.
      const match = /^dns:\/\/\/([a-z0-9-]+):(\d+)$/.exec(value ?? "");
      expect(match, `${variable}=${value} is dns:///<service>:<port>`).not.toBeNull();
      const [, host, port] = match!;
      const service = the<Service>("Service", host!);
      expect(service.spec.ports.map((entry) => entry.port), `${variable} uses ${host}'s port`).toContain(Number(port));
      expect(variable, "each target is named after its service").toBe(`${host!.toUpperCase()}_TARGET`);
    }
  });

  it("probes each service's own port the way it can answer: grpc health in plaintext, the health probe over mutual TLS, GET /ok on the gateway", () => {
    for (const name of gatehouse) {
      const container = containerOf(name);
      const port = listenPort(name);
      for (const [kind, probe] of [
        ["readiness", container.readinessProbe],
        ["liveness", container.livenessProbe],
      ] as const) {
        const label = `${name} ${kind}`;
        expect(probe, label).toBeDefined();
        if (probe!.httpGet) {
          expect(name, label).toBe("gateway");
          expect(containerPortOf(container, probe!.httpGet.port), label).toBe(port);
          expect(codeOf(name).strings.has(probe!.httpGet.path), `the gateway serves ${probe!.httpGet.path}`).toBe(true);
        } else if (probe!.grpc) {
          // The kubelet's gRPC probe speaks plaintext only.
          expect(probe!.grpc.port, label).toBe(port);
          expect(containerPortOf(container, probe!.grpc.port), label).toBe(port);
          expect(codeOf(name).identifiers.has("addOperations"), `${name} serves grpc.health.v1`).toBe(true);
          expect(listensWithTls(name), `${label}: a plaintext probe of a server that speaks plaintext`).toBe(false);
        } else if (probe!.exec) {
          const [node, flag, loader, script, ...args] = probe!.exec.command;
          expect([node, flag, loader], label).toEqual(["node", "--import", "tsx"]);
          expect(script, label).toBe("libs/server/scripts/health-probe.ts");
          expect(existsSync(fromRoot(script!)) && image.contains(script!), script).toBe(true);
          expect(args, `${label} asks its own port with the service's own TLS settings`).toEqual([`127.0.0.1:${port}`]);
          if (built(name)) expect(listensWithTls(name), `${label}: only servers that speak TLS need the probe inside the container`).toBe(true);
          for (const variable of ["GATEHOUSE_TLS_CA", "GATEHOUSE_TLS_CERT", "GATEHOUSE_TLS_KEY"]) expect(envOf(name)[variable], `${label} dials with ${variable}`).toBeDefined();
        } else {
          // Liveness of the store: the port is open. Health would restart every replica during a Postgres outage.
          expect([name, kind], label).toEqual(["store", "liveness"]);
          expect(containerPortOf(container, probe!.tcpSocket?.port), label).toBe(port);
        }
      }
    }
    expect(containerOf("store").readinessProbe?.grpc, "the store is ready only while Postgres answers").toBeDefined();
  });

  it("gives every service that speaks mutual TLS its own certificate Secret, read-only, and the paths its variables name", () => {
    const speakingTls = gatehouse.filter((name) => !built(name) || ["GATEHOUSE_TLS_CA", "GATEHOUSE_TLS_CERT", "GATEHOUSE_TLS_KEY"].every((variable) => declaredVariables(name).has(variable)));
    expect([...speakingTls].sort()).toEqual(["authn", "authz", "store", "worker"]);
    for (const name of speakingTls) {
      const volume = podOf(name).volumes?.find((entry) => entry.secret?.secretName === `gatehouse-${name}-tls`);
      expect(volume, `${name} mounts gatehouse-${name}-tls`).toBeDefined();
      const mount = containerOf(name).volumeMounts?.find((entry) => entry.name === volume!.name);
      expect(mount?.readOnly, name).toBe(true);
      const secret = the<{ type: string; stringData?: Record<string, string>; data?: Record<string, string> }>("Secret", `gatehouse-${name}-tls`);
      expect(secret.type).toBe("kubernetes.io/tls");
      const keys = Object.keys({ ...secret.data, ...secret.stringData });
      expect(keys.sort(), name).toEqual(["ca.crt", "tls.crt", "tls.key"]);
      expect({ ca: envValue(name, "GATEHOUSE_TLS_CA"), cert: envValue(name, "GATEHOUSE_TLS_CERT"), key: envValue(name, "GATEHOUSE_TLS_KEY") }, name).toEqual({
        ca: posix.join(mount!.mountPath, "ca.crt"),
        cert: posix.join(mount!.mountPath, "tls.crt"),
        key: posix.join(mount!.mountPath, "tls.key"),
      });
      const others = podOf(name).volumes?.filter((entry) => entry.secret && entry.secret.secretName !== `gatehouse-${name}-tls`) ?? [];
      expect(others, `${name} mounts no other service's key`).toEqual([]);
    }
    expect(podOf("gateway").volumes?.some((entry) => entry.secret), "the gateway makes no internal TLS calls").toBe(false);
  });

  it("refers only to Secrets and keys, and ConfigMaps, that the manifests define", () => {
    for (const name of gatehouse) {
      for (const { name: variable, valueFrom } of containerOf(name).env) {
        const ref = valueFrom?.secretKeyRef;
        if (ref === undefined) continue;
        const secret = the<{ stringData?: Record<string, string>; data?: Record<string, string> }>("Secret", ref.name);
        expect(Object.keys({ ...secret.data, ...secret.stringData }), `${name}: ${variable}`).toContain(ref.key);
      }
      for (const volume of podOf(name).volumes ?? []) {
        if (volume.secret) expect(the("Secret", volume.secret.secretName)).toBeDefined();
        if (volume.configMap) expect(the("ConfigMap", volume.configMap.name)).toBeDefined();
      }
    }
  });

  it("shares one Redis and one cache secret, from one Secret, among the services that cache identities, count rates or carry run events", () => {
    const sharing = gatehouse.filter((name) => built(name) && declaredVariables(name).has("REDIS_URL"));
    expect([...sharing].sort()).toEqual(["authn", "gateway", "store", "worker"]);
    for (const name of sharing) {
      expect(envOf(name).REDIS_URL?.valueFrom?.secretKeyRef, name).toEqual({ name: "gatehouse-cache", key: "REDIS_URL" });
      if (!declaredVariables(name).has("GATEHOUSE_CACHE_SECRET")) continue;
      expect(envOf(name).GATEHOUSE_CACHE_SECRET?.valueFrom?.secretKeyRef, name).toEqual({ name: "gatehouse-cache", key: "GATEHOUSE_CACHE_SECRET" });
    }
    expect(envOf("store").DATABASE_URL?.valueFrom?.secretKeyRef, "the database URL, which may hold a password, is a Secret").toEqual({ name: "gatehouse-database", key: "DATABASE_URL" });
  });

  it("reads gatehouse.json from the ConfigMap, naming an auth module, graphs and a custom routes' app that are in the image", () => {
    const configMap = the<{ data: Record<string, string> }>("ConfigMap", "gatehouse-config");
    const config = JSON.parse(configMap.data["gatehouse.json"]!) as { auth: { path: string }; graphs: Record<string, string>; http?: { app?: string } };
    const inImage = (path: string) => {
      // Absolute paths inside the image: relative ones would resolve against the ConfigMap's mount.
      expect(path.startsWith(`${image.workdir}/`), path).toBe(true);
      const file = posix.relative(image.workdir, path.slice(0, path.lastIndexOf(":") > 1 ? path.lastIndexOf(":") : undefined));
      expect(existsSync(fromRoot(file)) && image.contains(file), `${file} in the image`).toBe(true);
    };
    inImage(config.auth.path);
    for (const graph of Object.values(config.graphs)) inImage(graph);
    if (config.http?.app !== undefined) inImage(config.http.app);
    for (const name of gatehouse) {
      const configPath = envValue(name, "GATEHOUSE_CONFIG") ?? "";
      const volume = podOf(name).volumes?.find((entry) => entry.configMap?.name === "gatehouse-config");
      const mount = containerOf(name).volumeMounts?.find((entry) => entry.name === volume?.name);
      expect(configPath, name).toBe(posix.join(mount?.mountPath ?? "(no mount)", "gatehouse.json"));
    }
  });

  it("runs every pod as a non-root user with no privilege to gain, a read-only root, and resource requests", () => {
    const imageUser = readFileSync(fromRoot("Dockerfile"), "utf8").match(/^USER (\S+)$/m)?.[1];
    expect(imageUser, "the image itself runs as the unprivileged node user").toBe("node");
    for (const name of gatehouse) {
      const pod = podOf(name);
      const container = containerOf(name);
      expect(pod.securityContext?.runAsNonRoot, name).toBe(true);
      expect(pod.securityContext?.runAsUser, `${name} runs as node (uid 1000)`).toBe(1000);
      expect(pod.automountServiceAccountToken, `${name} calls no Kubernetes API`).toBe(false);
      expect(container.securityContext, name).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
      // tsx compiles into the temporary directory: with a read-only root it needs a writable one.
      expect(container.volumeMounts?.map((mount) => mount.mountPath), name).toContain("/tmp");
      expect(Object.keys(container.resources?.requests ?? {}).sort(), name).toEqual(["cpu", "memory"]);
      expect(container.resources?.limits?.memory, name).toBeDefined();
    }
  });

  it("lets nothing in by default, and only the store reach authn, authz and the worker, and clients the store and the gateway", () => {
    const policies = ofKind<NetworkPolicy>("NetworkPolicy");
    const defaultDeny = policies.filter((policy) => Object.keys(policy.spec.podSelector.matchLabels ?? {}).length === 0);
    expect(defaultDeny, "one policy selects every pod").toHaveLength(1);
    expect(defaultDeny[0]!.spec.policyTypes).toEqual(["Ingress"]);
    expect(defaultDeny[0]!.spec.ingress ?? [], "and lets nothing in").toEqual([]);

    const allowed = policies.flatMap((policy) => {
      const to = policy.spec.podSelector.matchLabels?.[componentLabel];
      if (to === undefined) return [];
      expect(policy.spec.policyTypes, policy.metadata.name).toEqual(["Ingress"]);
      return (policy.spec.ingress ?? []).flatMap((rule) => {
        const ports = (rule.ports ?? []).map((port) => {
          expect(typeof port.port, `${policy.metadata.name} names a numeric port`).toBe("number");
          return port.port as number;
        });
        expect(ports.length, `${policy.metadata.name} opens the ports it lists, no others`).toBeGreaterThan(0);
        const sources = (rule.from ?? []).map((peer) => {
          expect(peer.namespaceSelector ?? peer.ipBlock, `${policy.metadata.name} admits pods of this namespace only`).toBeUndefined();
          return peer.podSelector?.matchLabels?.[componentLabel] ?? "(any pod)";
        });
        return (sources.length === 0 ? ["clients"] : sources).flatMap((from) => ports.map((port) => `${from} → ${to}:${port}`));
      });
    });
    expect(allowed.sort()).toEqual(
      [
        `store → authn:${listenPort("authn")}`,
        `store → authz:${listenPort("authz")}`,
        `store → worker:${listenPort("worker")}`,
        // The gateway reaches the store as any client does.
        `clients → store:${listenPort("store")}`,
        `clients → gateway:${listenPort("gateway")}`,
      ].sort(),
    );
    for (const name of gatehouse) {
      expect(the<Deployment>("Deployment", name).spec.template.metadata.labels[componentLabel], `policies select ${name} by its label`).toBe(name);
    }
  });
});
