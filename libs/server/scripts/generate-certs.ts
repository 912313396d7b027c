/**
 * `npm run certs -- --out <dir>`: writes a fresh CA (`ca.pem`) and, for
 * authn, authz, store and gateway, `<name>.pem` and `<name>-key.pem`, for
 * mutual TLS between the services (GATEHOUSE_TLS_CA/CERT/KEY).
 *
 *   --names a,b     more host names or IPs in every certificate (beside its name, localhost, 127.0.0.1)
 *   --clients a,b   more certificates, e.g. `operator` for a tool that calls RevokeCredential
 *   --days N        validity of the service certificates (default 365)
 *   --ca-key        also write ca-key.pem, to issue more certificates later
 *   --per-service   write each service's pair and a copy of ca.pem into <dir>/<name>/, to mount one per service
 */
import { parseArgs } from "node:util";
import { defaultCertificateServices, generateCertificates, writeCertificates } from "@gatehouse/server";

const list = (text: string | undefined) => (text ?? "").split(",").map((item) => item.trim()).filter(Boolean);

try {
  const { values } = parseArgs({
    options: {
      out: { type: "string" },
      names: { type: "string" },
      clients: { type: "string" },
      days: { type: "string" },
      "ca-key": { type: "boolean", default: false },
      "per-service": { type: "boolean", default: false },
    },
  });
  if (values.out === undefined) throw new Error("usage: npm run certs -- --out <dir> [--names a,b] [--clients a,b] [--days N] [--ca-key] [--per-service]");
  const certificates = await generateCertificates({
    services: [...defaultCertificateServices, ...list(values.clients)],
    extraNames: list(values.names),
    days: values.days === undefined ? undefined : Number(values.days),
  });
  const written = await writeCertificates(values.out, certificates, { includeCaKey: values["ca-key"], perService: values["per-service"] });
  process.stdout.write(`${written.join("\n")}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
