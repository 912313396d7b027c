import { describe, expect, it } from "vitest";
import { formatCpuTable, formatLevelTable, formatMemoryTable, formatReport, sizeLabel, type BenchReport } from "./report.js";

const measured = (p50Ms: number, p99Ms: number, callsPerSecond: number, errors = 0) => ({
  kind: "measured" as const,
  p50Ms,
  p99Ms,
  callsPerSecond,
  calls: Math.round(callsPerSecond * 5),
  errors,
});

function sampleReport(): BenchReport {
  return {
    date: "2026-11-30T12:00:00.000Z",
    machine: { cpu: "Test CPU", cores: 2, node: "v20.20.2", os: "linux 6" },
    settings: { sizes: [10_000], seconds: 5, sliceSeconds: 1, warmupSeconds: 1, inFlight: [1, 32], topologies: ["split"] },
    servers: [
      { label: "Gatehouse (split)", role: "gatehouse", description: "4 processes", idleKib: 512 * 1024, peakKib: 600 * 1024 },
      { label: "LangGraph.js dev", role: "peer", description: "CLI, tsx and the API server", idleKib: 300 * 1024, peakKib: 1024 * 1024 },
    ],
    seeding: [{ server: "LangGraph.js dev", threads: 10_000, added: 10_000, seconds: 12.34, via: "through its API" }],
    results: [
      { scenario: "threads.search, 10k threads", inFlight: 1, server: "Gatehouse (split)", outcome: measured(1.5, 4, 600) },
      { scenario: "threads.search, 10k threads", inFlight: 1, server: "LangGraph.js dev", outcome: measured(6, 12, 150) },
      { scenario: "threads.search, 10k threads", inFlight: 32, server: "Gatehouse (split)", outcome: measured(20, 45, 1500, 3) },
      { scenario: "threads.search, 10k threads", inFlight: 32, server: "LangGraph.js dev", outcome: measured(200, 400, 160) },
      { scenario: "runs.wait", inFlight: 1, server: "Gatehouse (split)", outcome: { kind: "unsupported", detail: "HTTP 501" } },
      { scenario: "runs.wait", inFlight: 1, server: "LangGraph.js dev", outcome: measured(60, 120, 16) },
      { scenario: "runs.wait", inFlight: 32, server: "Gatehouse (split)", outcome: { kind: "unsupported", detail: "HTTP 501" } },
      { scenario: "runs.wait", inFlight: 32, server: "LangGraph.js dev", outcome: measured(900, 1500, 35) },
    ],
    notes: ["a note"],
  };
}

describe("the bench:compare report", () => {
  it("names sizes the way the tables do", () => {
    expect([sizeLabel(1_000), sizeLabel(10_000), sizeLabel(100_000), sizeLabel(1_000_000), sizeLabel(1_500)]).toEqual(["1k", "10k", "100k", "1M", "1500"]);
  });

  it("puts both servers' figures and the throughput and sequential p50 ratios in one row per scenario", () => {
    const lines = formatLevelTable(sampleReport(), 1).split("\n");
    expect(lines[0]).toBe(
      "| scenario | Gatehouse (split) p50 ms | p99 ms | calls/s | LangGraph.js dev p50 ms | p99 ms | calls/s | calls/s ÷ peer | p50 ÷ peer |",
    );
    expect(lines[1]).toBe("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    expect(lines[2]).toBe("| threads.search, 10k threads | 1.50 | 4.00 | 600 | 6.00 | 12.0 | 150 | 4.00× | 0.25× |");
  });

  it("prints n/a where Gatehouse answered 501, so the row fills in once the endpoint lands", () => {
    const lines = formatLevelTable(sampleReport(), 1).split("\n");
    expect(lines[3]).toBe("| runs.wait | n/a | n/a | n/a | 60.0 | 120 | 16 | n/a | n/a |");
  });

  it("gives the concurrent table no latency ratio and marks a row with failed calls", () => {
    const lines = formatLevelTable(sampleReport(), 32).split("\n");
    expect(lines[0]!.endsWith("| calls/s ÷ peer |")).toBe(true);
    expect(lines[2]).toBe("| threads.search, 10k threads | 20.0 | 45.0 | 1 500 † | 200 | 400 | 160 | 9.38× |");
  });

  it("puts each server's CPU per call beside the load generator's, with Postgres and Redis counted toward Gatehouse's cost", () => {
    const report = sampleReport();
    const cost = (server: number, load: number, backing?: number) => ({ server, load, ...(backing !== undefined && { backing }) });
    report.results[2]!.outcome = { ...measured(20, 45, 1500), cpu: cost(400.4, 500, 100) };
    report.results[3]!.outcome = { ...measured(200, 400, 160), cpu: cost(1000, 480) };
    const lines = formatCpuTable(report, 32).split("\n");
    expect(lines[0]).toBe("| scenario | Gatehouse (split) µs | load µs | LangGraph.js dev µs | load µs | CPU ÷ peer |");
    expect(lines[2]).toBe("| threads.search, 10k threads | 400 + 100 | 500 | 1000 | 480 | 0.50× |");
    expect(lines[3]).toBe("| runs.wait | n/a | n/a | n/a | n/a | n/a |");
    expect(formatReport(report)).toContain("**CPU per call, 32 in flight**");
  });

  it("reports each server's idle and peak memory in MiB", () => {
    expect(formatMemoryTable(sampleReport()).split("\n").slice(2)).toEqual([
      "| Gatehouse (split) | 4 processes | 512 | 600 |",
      "| LangGraph.js dev | CLI, tsx and the API server | 300 | 1024 |",
    ]);
  });

  it("opens with the machine and date, says the load generator shares the cores, and lists errors, seeding and notes", () => {
    const text = formatReport(sampleReport());
    expect(text.startsWith("Measured 2026-11-30 on Test CPU, 2 cores, Node v20.20.2")).toBe(true);
    expect(text).toContain("runs on the same cores as both servers");
    expect(text).toContain("**32 in flight**");
    expect(text).toContain("- † Gatehouse (split), threads.search, 10k threads, 32 in flight: 3 of 7500 calls failed.");
    expect(text).toContain("- Seeding LangGraph.js dev to 10k threads (10000 added through its API) took 12.3 s.");
    expect(text).toContain("- a note");
  });
});
