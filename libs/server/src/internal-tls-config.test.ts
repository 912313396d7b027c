import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCertificates, writeCertificates } from "./certificates.js";
import { allowedCallersFromEnv, internalTlsFromEnv } from "./internal-tls-config.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gatehouse-tls-config-"));
  await writeCertificates(dir, await generateCertificates({ services: ["store", "authn"] }));
  await writeFile(join(dir, "not-pem.txt"), "hello");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const files = (service = "store", key = service) => ({
  GATEHOUSE_TLS_CA: join(dir, "ca.pem"),
  GATEHOUSE_TLS_CERT: join(dir, `${service}.pem`),
  GATEHOUSE_TLS_KEY: join(dir, `${key}-key.pem`),
});

describe("internalTlsFromEnv", () => {
  it("leaves mutual TLS off when none of the three variables is set", () => {
    expect(internalTlsFromEnv({})).toBeUndefined();
    expect(internalTlsFromEnv({ GATEHOUSE_TLS_CA: "", GATEHOUSE_TLS_CERT: " ", GATEHOUSE_TLS_KEY: "" })).toBeUndefined();
  });

  it("reads the CA, certificate and key when all three are set", () => {
    const tls = internalTlsFromEnv(files());
    expect(tls?.ca.toString()).toContain("BEGIN CERTIFICATE");
    expect(tls?.cert.toString()).toContain("BEGIN CERTIFICATE");
    expect(tls?.key.toString()).toContain("BEGIN PRIVATE KEY");
  });

  it("refuses a partial set and names the variables that are missing", () => {
    const { GATEHOUSE_TLS_CA, GATEHOUSE_TLS_CERT } = files();
    expect(() => internalTlsFromEnv({ GATEHOUSE_TLS_CA, GATEHOUSE_TLS_CERT })).toThrow(/set all three or none \(GATEHOUSE_TLS_KEY unset\)/);
    expect(() => internalTlsFromEnv({ GATEHOUSE_TLS_CERT })).toThrow(/GATEHOUSE_TLS_CA and GATEHOUSE_TLS_KEY unset/);
  });

  it("refuses a file that cannot be read, naming the variable and the path", () => {
    const missing = join(dir, "nope.pem");
    expect(() => internalTlsFromEnv({ ...files(), GATEHOUSE_TLS_KEY: missing })).toThrow(`GATEHOUSE_TLS_KEY: cannot read ${missing}`);
  });

  it("refuses a file that is not PEM, naming the variable and the path", () => {
    const notPem = join(dir, "not-pem.txt");
    expect(() => internalTlsFromEnv({ ...files(), GATEHOUSE_TLS_CA: notPem })).toThrow(`GATEHOUSE_TLS_CA: ${notPem} is not a PEM file`);
  });

  it("refuses a CA file that holds a key instead of a certificate", () => {
    expect(() => internalTlsFromEnv({ ...files(), GATEHOUSE_TLS_CA: join(dir, "store-key.pem") })).toThrow(/GATEHOUSE_TLS_CA \(.*store-key\.pem\) is not a PEM certificate/);
  });

  it("refuses a key that does not belong to the certificate, naming both variables", () => {
    expect(() => internalTlsFromEnv(files("store", "authn"))).toThrow(/GATEHOUSE_TLS_CERT \(.*store\.pem\) and GATEHOUSE_TLS_KEY \(.*authn-key\.pem\)/);
  });
});

describe("allowedCallersFromEnv", () => {
  it("allows the store alone by default", () => {
    expect(allowedCallersFromEnv({})).toEqual(["store"]);
  });

  it("reads a comma-separated, case-insensitive list", () => {
    expect(allowedCallersFromEnv({ GATEHOUSE_TLS_ALLOWED_CALLERS: " Store, operator ,," })).toEqual(["store", "operator"]);
  });

  it("refuses a list that names nobody", () => {
    expect(() => allowedCallersFromEnv({ GATEHOUSE_TLS_ALLOWED_CALLERS: " , " })).toThrow("GATEHOUSE_TLS_ALLOWED_CALLERS must name at least one caller");
  });
});
