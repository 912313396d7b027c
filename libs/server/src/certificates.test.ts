import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCertificates, writeCertificates, type GeneratedCertificates } from "./certificates.js";

const serverAuth = "1.3.6.1.5.5.7.3.1";
const clientAuth = "1.3.6.1.5.5.7.3.2";

describe("generateCertificates", () => {
  let generated: GeneratedCertificates;
  let ca: X509Certificate;

  beforeAll(async () => {
    generated = await generateCertificates({ extraNames: ["authn.internal", "10.0.0.7"], days: 30 });
    ca = new X509Certificate(generated.ca.cert);
  });

  it("issues a CA and one certificate for each of authn, authz, store, worker and gateway", () => {
    expect(ca.ca).toBe(true);
    expect(Object.keys(generated.services)).toEqual(["authn", "authz", "store", "worker", "gateway"]);
  });

  it("signs each service certificate with the CA, for TLS server and client use, valid for the days asked", () => {
    for (const [name, pair] of Object.entries(generated.services)) {
      const cert = new X509Certificate(pair.cert);
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.checkIssued(ca)).toBe(true);
      expect(cert.ca).toBe(false);
      expect(cert.subject).toBe(`CN=${name}`);
      expect(cert.keyUsage).toEqual(expect.arrayContaining([serverAuth, clientAuth]));
      expect(Date.parse(cert.validTo) - Date.parse(cert.validFrom)).toBe(30 * 24 * 60 * 60 * 1000);
      expect(cert.checkPrivateKey(createPrivateKey(pair.key))).toBe(true);
      expect(createPrivateKey(pair.key).asymmetricKeyDetails).toMatchObject({ namedCurve: "prime256v1" });
    }
  });

  it("names the service, localhost, 127.0.0.1 and the extra names in every service certificate", () => {
    const cert = new X509Certificate(generated.services.store!.cert);
    expect(cert.subjectAltName).toBe("DNS:store, DNS:localhost, IP Address:127.0.0.1, DNS:authn.internal, IP Address:10.0.0.7");
    expect(cert.checkHost("store")).toBe("store");
    expect(cert.checkHost("authz")).toBeUndefined();
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
  });

  it("rejects service names that cannot be file names and extra names that are not host names or IPs", async () => {
    await expect(generateCertificates({ services: ["../etc"] })).rejects.toThrow('service name "../etc"');
    await expect(generateCertificates({ extraNames: ["a b"] })).rejects.toThrow('"a b" is neither a host name nor an IP address');
    await expect(generateCertificates({ days: 0 })).rejects.toThrow("days must be a positive integer");
  });
});

describe("writeCertificates", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gatehouse-certs-"));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes ca.pem and each service's certificate and key, keys readable by the owner only, and no CA key", async () => {
    const out = join(dir, "plain");
    await writeCertificates(out, await generateCertificates());
    const names = ["authn", "authz", "store", "worker", "gateway"];
    expect((await readdir(out)).sort()).toEqual(["ca.pem", ...names.flatMap((name) => [`${name}.pem`, `${name}-key.pem`])].sort());
    for (const name of names) {
      expect((await stat(join(out, `${name}-key.pem`))).mode & 0o777).toBe(0o600);
      expect((await stat(join(out, `${name}.pem`))).mode & 0o777).toBe(0o644);
    }
  });

  it("per service, writes each one's pair and the CA into a folder of its own, and nothing else", async () => {
    const out = join(dir, "per-service");
    const certificates = await generateCertificates({ services: ["authn", "store"] });
    await writeCertificates(out, certificates, { perService: true });
    expect((await readdir(out)).sort()).toEqual(["authn", "store"]);
    for (const name of ["authn", "store"]) {
      expect((await readdir(join(out, name))).sort()).toEqual(["ca.pem", `${name}-key.pem`, `${name}.pem`].sort());
      expect(await readFile(join(out, name, "ca.pem"), "utf8")).toBe(certificates.ca.cert);
      expect((await stat(join(out, name, `${name}-key.pem`))).mode & 0o777).toBe(0o600);
    }
  });

  it("writes the CA key only when asked, owner-readable only", async () => {
    const out = join(dir, "with-ca-key");
    await writeCertificates(out, await generateCertificates({ services: ["store"] }), { includeCaKey: true });
    expect((await readdir(out)).sort()).toEqual(["ca-key.pem", "ca.pem", "store-key.pem", "store.pem"]);
    expect((await stat(join(out, "ca-key.pem"))).mode & 0o777).toBe(0o600);
  });
});
