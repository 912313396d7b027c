import { startCluster, type Topology } from "@gatehouse/launcher";
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
const split: TopologyStarter = (options) => startIn("split", options);

/**
 * Every service in one process (README, "Topologies"): authn and authz
 * reached in process, only the store's and gateway's ports listening.
 */
const combined: TopologyStarter = (options) => startIn("combined", options);

async function startIn(topology: Topology, { configPath, redisUrl, env }: TopologyOptions): Promise<BenchGatehouse> {
  const database = await createTestDatabase();
  try {
    // With a worker, so runs execute as on the dev server.
    const cluster = await startCluster({ topology, configPath, databaseUrl: database.url, redisUrl, gatewayPort: 0, worker: true, env });
    // In the combined topology every entry names the same process.
    const pids = new Set(Object.values(cluster.replicas).flat().map((service) => service.child.pid!));
    return {
      url: `http://${cluster.gateway!.address}`,
      pids: [...pids],
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
}

/**
 * The process layouts `BENCH_TOPOLOGIES` chooses from, by name; the
 * benchmark measures each one named against the same peer.
 */
export const topologies: Readonly<Record<string, TopologyStarter>> = { split, combined };

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
