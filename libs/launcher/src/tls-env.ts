import { join } from "node:path";

/**
 * The GATEHOUSE_TLS_* environment of one service, from a directory written
 * by `npm run certs`: the shared `ca.pem` and the service's own
 * `<name>.pem` and `<name>-key.pem`, so each process proves its own name.
 */
export function serviceTlsEnv(certsDir: string, service: string): Record<string, string> {
  return {
    GATEHOUSE_TLS_CA: join(certsDir, "ca.pem"),
    GATEHOUSE_TLS_CERT: join(certsDir, `${service}.pem`),
    GATEHOUSE_TLS_KEY: join(certsDir, `${service}-key.pem`),
  };
}
