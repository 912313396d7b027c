/**
 * Starting Gatehouse as operators run it: one process per service, on real
 * or embedded Postgres. Used by `npm start`, the end-to-end tests and the
 * benchmark.
 */
export { startServiceProcess, repoRoot, type ServiceProcess, type ServiceProcessOptions } from "./service-process.js";
export { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres.js";
export { startCluster, clusterVariables, type Cluster, type ClusterOptions, type ClusterService } from "./cluster.js";
export { launcherConfig, topologySetting, type Topology } from "./settings.js";
