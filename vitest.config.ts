import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts", "packages/*/src/**/*.test.ts"],
    globalSetup: ["tests/support/emulator.ts"],
    reporters: ["default", "./tests/support/summary.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
