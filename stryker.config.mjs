// Mutation testing of the core's decisions (npm run mutate; not part of npm test, it is slow).
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.unit.config.ts" },
  checkers: ["typescript"],
  // The checker compiles the core alone: checking the whole app for each group of mutants made it
  // the run's bottleneck (a mutant that breaks only a caller outside the core is tested instead).
  tsconfigFile: "tsconfig.mutate.json",
  mutate: [
    "packages/core/src/connection/transition.ts",
    "packages/core/src/env/index.ts",
    "packages/core/src/railway/index.ts",
    "packages/core/src/policy/index.ts",
    "packages/core/src/webhook/address.ts",
    "packages/core/src/page/index.ts",
    "packages/core/src/sync/diff.ts",
    "packages/core/src/sync/key-schema.ts",
    "packages/core/src/sync/transition.ts",
    "packages/core/src/secret/references.ts",
  ],
  coverageAnalysis: "perTest",
  reporters: ["clear-text", "html", "json", "progress"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  tempDirName: ".stryker-tmp",
  ignorePatterns: [".sst", ".venv", "dist", "docs", ".screenshots", ".schemathesis", "reports"],
  thresholds: { high: 90, low: 85, break: 85 },
  concurrency: 2,
};
