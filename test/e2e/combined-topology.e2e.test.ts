/**
 * The combined topology (README, "Topologies"): authn, authz, the store and
 * the gateway in one process, calling each other in process. The tutorial's
 * client script gives the same answers through the gateway as on the split
 * topology, and only the client-facing ports listen.
 */
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import type { Client, Thread } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detailOf, httpErrorOf, sdkClient } from "../support/langgraph-shapes.js";
import { fromRoot, startTestGatehouse, type TestGatehouse } from "../support/test-gatehouse.js";

/** The TCP ports a process listens on, from /proc/net/tcp{,6} and its socket inodes. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirFds(pid)) {
    const match = /^socket:\[(\d+)\]$/.exec(fd);
    if (match) inodes.add(match[1]!);
  }
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // State 0A is LISTEN.
      if (fields[3] === "0A" && inodes.has(fields[9]!)) ports.add(parseInt(fields[1]!.split(":")[1]!, 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

function readdirFds(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/${pid}/fd/${fd}`)];
    } catch {
      return [];
    }
  });
}

describe("the tutorial on the combined topology, through the gateway", () => {
  let gatehouse: TestGatehouse;
  let alice: Client;
  let bob: Client;
  let aliceThread: Thread;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse(fromRoot("gatehouse.json"), {}, undefined, { gateway: true, topology: "combined" });
    alice = sdkClient(gatehouse.gatewayUrl!, "user1-token");
    bob = sdkClient(gatehouse.gatewayUrl!, "user2-token");
  });

  afterAll(async () => {
    await gatehouse?.stop();
  });

  it("runs every service in one process that listens only on the store's and the gateway's ports", () => {
    const { cluster } = gatehouse;
    expect(cluster.authn.address).toBe("in-process");
    expect(cluster.authz.address).toBe("in-process");
    const port = (address: string) => Number(address.split(":").at(-1));
    expect(listeningPorts(cluster.store.child.pid!)).toEqual([port(cluster.store.address), port(cluster.gateway!.address)].sort((a, b) => a - b));
  });

  it("alice creates a thread stamped with her as owner", async () => {
    aliceThread = await alice.threads.create();
    expect(aliceThread.metadata).toEqual({ owner: "user1" });
  });

  it("bob gets a 404 for alice's thread, worded like a missing id's", async () => {
    const denied = await httpErrorOf(bob.threads.get(aliceThread.thread_id));
    expect(denied.status).toBe(404);
    const missingId = randomUUID();
    expect(detailOf(denied)).toBe(`Thread with ID ${aliceThread.thread_id} not found`);
    expect(detailOf(await httpErrorOf(bob.threads.get(missingId)))).toBe(`Thread with ID ${missingId} not found`);
  });

  it("each user's search counts only their own threads", async () => {
    const bobThread = await bob.threads.create();
    expect(bobThread.metadata).toEqual({ owner: "user2" });
    expect((await alice.threads.search()).map((thread) => thread.thread_id)).toEqual([aliceThread.thread_id]);
    expect((await bob.threads.search()).map((thread) => thread.thread_id)).toEqual([bobThread.thread_id]);
  });

  it("a request without a credential is refused before it reaches a thread", async () => {
    const anonymous = sdkClient(gatehouse.gatewayUrl!, undefined);
    expect((await httpErrorOf(anonymous.threads.search())).status).toBe(401);
  });
});
