import type { Reporter, TestModule } from "vitest/node";

/** Ends the run with one plain line, `tests: N passed, N failed`, that any CI can read. */
export default class Summary implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>) {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of modules)
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed" || state === "failed" || state === "skipped") counts[state]++;
      }
    const failedModules = modules.filter((m) => m.state() === "failed" && !m.children.size).length;
    process.stdout.write(
      `\ntests: ${counts.passed} passed, ${counts.failed + failedModules} failed, ${counts.skipped} skipped\n`,
    );
  }
}
