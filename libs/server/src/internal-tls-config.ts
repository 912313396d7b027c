import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";

/** The PEM files one service needs for mutual TLS between Gatehouse services. */
export interface InternalTls {
  /** The CA that signs every Gatehouse service's certificate; peers are verified against it alone. */
  ca: Buffer;
  /** This service's certificate, presented both when serving and when calling. */
  cert: Buffer;
  /** This service's private key. */
  key: Buffer;
}

/** The environment variables naming the PEM files of {@link InternalTls}. */
export const internalTlsVariables = {
  ca: "GATEHOUSE_TLS_CA",
  cert: "GATEHOUSE_TLS_CERT",
  key: "GATEHOUSE_TLS_KEY",
} as const;

/** The variable listing which certificate CNs may call authn and authz. */
export const allowedCallersVariable = "GATEHOUSE_TLS_ALLOWED_CALLERS";

/** Callers allowed when GATEHOUSE_TLS_ALLOWED_CALLERS is unset: the store is the one service that calls authn and authz. */
export const defaultAllowedCallers: readonly string[] = ["store"];

/**
 * Reads GATEHOUSE_TLS_CA, GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY: all three
 * set turns mutual TLS on, none leaves it off. Anything in between, a file
 * that cannot be read, or a certificate that does not parse or match its key
 * throws an error naming the variable and the file, so a service meant to be
 * protected stops at start-up rather than serving in plaintext.
 */
export function internalTlsFromEnv(env: NodeJS.ProcessEnv = process.env): InternalTls | undefined {
  return internalTlsOf({ tlsCa: env[internalTlsVariables.ca], tlsCert: env[internalTlsVariables.cert], tlsKey: env[internalTlsVariables.key] });
}

/** The files of {@link InternalTls} from the values of `internalTlsFileSettings`, checked as {@link internalTlsFromEnv} describes. */
export function internalTlsOf(values: { tlsCa: string | undefined; tlsCert: string | undefined; tlsKey: string | undefined }): InternalTls | undefined {
  const paths = {
    ca: nonEmpty(values.tlsCa),
    cert: nonEmpty(values.tlsCert),
    key: nonEmpty(values.tlsKey),
  };
  const kinds = ["ca", "cert", "key"] as const;
  const missing = kinds.filter((kind) => paths[kind] === undefined);
  if (missing.length === kinds.length) return undefined;
  if (missing.length > 0) {
    const names = kinds.map((kind) => internalTlsVariables[kind]);
    throw new Error(
      `${names.join(", ")} turn on mutual TLS together: set all three or none (${missing.map((kind) => internalTlsVariables[kind]).join(" and ")} unset)`,
    );
  }
  const tls = {
    ca: readPem("ca", paths.ca!),
    cert: readPem("cert", paths.cert!),
    key: readPem("key", paths.key!),
  };
  try {
    new X509Certificate(tls.ca);
  } catch (error) {
    throw new Error(`${internalTlsVariables.ca} (${paths.ca}) is not a PEM certificate: ${(error as Error).message}`);
  }
  try {
    createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key });
  } catch (error) {
    throw new Error(
      `${internalTlsVariables.cert} (${paths.cert}) and ${internalTlsVariables.key} (${paths.key}) must be a PEM certificate and its private key: ${(error as Error).message}`,
    );
  }
  return tls;
}

/**
 * The certificate subject CNs that may call authn and authz:
 * GATEHOUSE_TLS_ALLOWED_CALLERS, comma-separated and case-insensitive,
 * default `store`. A list that names nobody is refused, since it would lock
 * every caller out.
 */
export function allowedCallersFromEnv(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  return allowedCallersOf(env[allowedCallersVariable]);
}

/** The allowed callers from the text of GATEHOUSE_TLS_ALLOWED_CALLERS, as {@link allowedCallersFromEnv} describes. */
export function allowedCallersOf(value: string | undefined): readonly string[] {
  const text = nonEmpty(value);
  if (text === undefined) return defaultAllowedCallers;
  const callers = text
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (callers.length === 0) throw new Error(`${allowedCallersVariable} must name at least one caller, got "${text}"`);
  return callers;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

function readPem(kind: keyof InternalTls, path: string): Buffer {
  let contents: Buffer;
  try {
    contents = readFileSync(path);
  } catch (error) {
    throw new Error(`${internalTlsVariables[kind]}: cannot read ${path}: ${(error as Error).message}`);
  }
  if (!contents.includes("-----BEGIN ")) throw new Error(`${internalTlsVariables[kind]}: ${path} is not a PEM file`);
  return contents;
}
