import { randomBytes, webcrypto } from "node:crypto";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { join } from "node:path";
import type * as X509 from "@peculiar/x509";

/** The services that get a certificate by default: each one's compose host name. */
export const defaultCertificateServices: readonly string[] = ["authn", "authz", "store", "worker", "gateway"];

/** What {@link generateCertificates} issues. */
export interface CertificateOptions {
  /** One certificate per name (CN and DNS name); default authn, authz, store, worker, gateway. */
  services?: readonly string[];
  /** Host names or IP addresses added to every service certificate, beside its name, localhost and 127.0.0.1. */
  extraNames?: readonly string[];
  /** Validity of the service certificates in days (default 365). The CA lasts ten years, or longer if these do. */
  days?: number;
  /** The issue time; tests pin it. */
  now?: Date;
}

/** A PEM certificate and its PEM (PKCS#8) private key. */
export interface PemPair {
  cert: string;
  key: string;
}

/** A fresh CA and one certificate per service, all PEM. */
export interface GeneratedCertificates {
  ca: PemPair;
  services: Record<string, PemPair>;
}

const serviceName = /^[a-z0-9][a-z0-9-]{0,62}$/;
const hostName = /^[A-Za-z0-9*]([A-Za-z0-9.-]{0,252})$/;
const dayMs = 24 * 60 * 60 * 1000;
/** Certificates start a little in the past, so a peer whose clock lags accepts them at once. */
const backdateMs = 5 * 60 * 1000;

/**
 * Creates a CA and, for each service, an ECDSA P-256 certificate signed by
 * it for both TLS server and client use, with the service's name as CN and
 * DNS name plus localhost and 127.0.0.1. It runs on WebCrypto alone, so
 * operators need no openssl to turn on mutual TLS between services.
 */
export async function generateCertificates(options: CertificateOptions = {}): Promise<GeneratedCertificates> {
  const services = options.services ?? defaultCertificateServices;
  for (const name of services) {
    if (!serviceName.test(name)) throw new Error(`service name "${name}" must be lower-case letters, digits and dashes`);
  }
  if (new Set(services).size !== services.length) throw new Error("each service name may appear once");
  const extraNames = options.extraNames ?? [];
  for (const name of extraNames) {
    if (isIP(name) === 0 && !hostName.test(name)) throw new Error(`"${name}" is neither a host name nor an IP address`);
  }
  const days = options.days ?? 365;
  if (!Number.isInteger(days) || days < 1) throw new Error(`days must be a positive integer, got ${days}`);

  const x509 = await loadX509();
  const notBefore = new Date((options.now ?? new Date()).getTime() - backdateMs);
  const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const caKeys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=Gatehouse internal CA ${randomBytes(4).toString("hex")}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + Math.max(3650, days + 1) * dayMs),
    keys: caKeys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const issued: Record<string, PemPair> = {};
  for (const name of services) {
    const keys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
    const altNames = [...new Set([name, "localhost", "127.0.0.1", ...extraNames])].map((value) => ({
      type: isIP(value) === 0 ? ("dns" as const) : ("ip" as const),
      value,
    }));
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${name}`,
      issuer: caCert.subject,
      notBefore,
      notAfter: new Date(notBefore.getTime() + days * dayMs),
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension(altNames),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
      ],
    });
    issued[name] = { cert: cert.toString("pem"), key: await privateKeyPem(x509, keys.privateKey) };
  }
  return { ca: { cert: caCert.toString("pem"), key: await privateKeyPem(x509, caKeys.privateKey) }, services: issued };
}

/**
 * Writes `ca.pem` and, per service, `<name>.pem` and `<name>-key.pem` into
 * `dir` (created if needed), keys readable by their owner only. With
 * `perService`, each service's files (its pair and a copy of `ca.pem`) go into
 * `dir/<name>/` instead, so a deployment can give each service its own
 * directory and no service can read another's key. The CA key is written
 * (`ca-key.pem`) only when asked: without it no one can issue more
 * certificates that the services trust. Resolves with the paths written.
 */
export async function writeCertificates(
  dir: string,
  certificates: GeneratedCertificates,
  { includeCaKey = false, perService = false } = {},
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  const write = async (file: string, contents: string, secret: boolean) => {
    const path = join(dir, file);
    await writeFile(path, contents, { mode: secret ? 0o600 : 0o644 });
    // The mode of writeFile only applies to new files; an overwritten key must not keep looser bits.
    await chmod(path, secret ? 0o600 : 0o644);
    written.push(path);
  };
  if (includeCaKey) await write("ca-key.pem", certificates.ca.key, true);
  if (!perService) await write("ca.pem", certificates.ca.cert, false);
  for (const [name, pair] of Object.entries(certificates.services)) {
    // Per service, each directory holds what that one service may read: the CA and its own pair.
    const folder = perService ? name : "";
    if (perService) {
      await mkdir(join(dir, folder), { recursive: true, mode: 0o755 });
      await write(join(folder, "ca.pem"), certificates.ca.cert, false);
    }
    await write(join(folder, `${name}.pem`), pair.cert, false);
    await write(join(folder, `${name}-key.pem`), pair.key, true);
  }
  return written;
}

/** Loads the X.509 library on first use, so services that never issue certificates do not load it or its reflection polyfill. */
async function loadX509(): Promise<typeof X509> {
  await import("reflect-metadata");
  const x509 = await import("@peculiar/x509");
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  return x509;
}

async function privateKeyPem(x509: typeof X509, key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

/** A random positive 128-bit serial number, as hex. */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  bytes[0]! |= 0x01;
  return bytes.toString("hex");
}
