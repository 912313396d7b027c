import { choiceSetting, defineConfig } from "@gatehouse/config";

/** The two ways to run Gatehouse from one codebase (README, "Topologies"). */
export type Topology = "split" | "combined";

/** GATEHOUSE_TOPOLOGY as `npm start` and the tests' launcher read it. */
export const topologySetting = choiceSetting<Topology>(
  "GATEHOUSE_TOPOLOGY",
  "`split`: one process per service; `combined`: every service in one process (see [Topologies](#topologies))",
  ["split", "combined"],
  "split",
);

/** What the launcher reads when its caller leaves it unsaid: the topology of `startCluster`. */
export const launcherConfig = defineConfig("launcher", { topology: topologySetting });
