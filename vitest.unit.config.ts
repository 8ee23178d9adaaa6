import { defineConfig } from "vitest/config";

/** The core's unit tests alone: no emulator, no stand-in. StrykerJS runs these (npm run mutate). */
export default defineConfig({
  test: { include: ["packages/core/src/**/*.test.ts"] },
});
