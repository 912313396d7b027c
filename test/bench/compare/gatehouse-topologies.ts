import { startCluster } from "@gatehouse/launcher";
import { createTestDatabase } from "../../support/test-database.js";

/** A Gatehouse started for the benchmark, in one topology, on a throwaway database. */
export interface BenchGatehouse {
  /** The LangGraph HTTP gateway's base URL. */
  url: string;
  /** Process ids of every process the topology runs (each the root of a process tree). */
  pids: number[];
  /** The throwaway database, for seeding straight into Postgres. */
  databaseUrl: string;
  /** Stops every process and drops the database. */
  stop(): Promise<void>;
}

/** What every topology is started with. */
export interface TopologyOptions {
  /** gatehouse.json naming the auth module and the graphs. */
  configPath: string;
  redisUrl: string | undefined;
  env: Record<string, string | undefined>;
}

/** Starts Gatehouse in one process layout. */
export type TopologyStarter = (options: TopologyOptions) => Promise<BenchGatehouse>;

/**
 * authn, authz, store and the LangGraph gateway as four processes, as
 * operators run them (`startCluster`), on real Postgres and Redis.
 */
const split: TopologyStarter = async ({ configPath, redisUrl, env }) => {
  const database = await createTestDatabase();
  try {
    const cluster = await startCluster({ configPath, databaseUrl: database.url, redisUrl, gatewayPort: 0, env });
    const processes = Object.values(cluster.replicas).flat();
    return {
      url: `http://${cluster.gateway!.address}`,
      pids: processes.map((service) => service.child.pid!),
      databaseUrl: database.url,
      stop: async () => {
        await cluster.stop();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
};

/**
 * The process layouts `BENCH_TOPOLOGIES` chooses from, by name. A new
 * layout (such as every service in one process) is one more entry here;
 * the benchmark measures each one named against the same peer.
 */
export const topologies: Readonly<Record<string, TopologyStarter>> = { split };

/** The starters for a comma-separated list of topology names; an unknown name throws, listing the known ones. */
export function chooseTopologies(names: string): Array<[string, TopologyStarter]> {
  return names
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "")
    .map((name) => {
      const starter = topologies[name];
      if (starter === undefined) throw new Error(`unknown Gatehouse topology "${name}" in BENCH_TOPOLOGIES; known: ${Object.keys(topologies).join(", ")}`);
      return [name, starter];
    });
}
