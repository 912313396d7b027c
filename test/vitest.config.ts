import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // End-to-end suites start service processes; give them room, and run files one at a time on two cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
