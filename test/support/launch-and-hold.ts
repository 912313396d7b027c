/**
 * A launcher for the launcher-death test: starts authz through
 * startServiceProcess, prints the service's pid on a line of its own, and
 * then holds until it is killed.
 */
import { startServiceProcess } from "@gatehouse/launcher";
import { fromRoot } from "./test-gatehouse.js";

const authz = await startServiceProcess({
  name: "authz",
  env: { GATEHOUSE_CONFIG: fromRoot("gatehouse.json"), AUTHZ_PORT: "0", LOG_LEVEL: "silent", GATEHOUSE_TLS_CA: "", GATEHOUSE_TLS_CERT: "", GATEHOUSE_TLS_KEY: "", METRICS_PORT: "" },
});
process.stdout.write(`${authz.child.pid}\n`);
setInterval(() => {}, 60_000);
