import { readFileSync } from "node:fs";

/**
 * Each mutated module's score from Stryker's JSON report, and a failure when any is under the
 * floor: Stryker's own `thresholds.break` applies to the total only.
 *
 *   npm run mutate   (stryker run, then this)
 */
const floor = 85;
const report = process.argv[2] ?? "reports/mutation/mutation.json";

type Status =
  | "Killed"
  | "Timeout"
  | "Survived"
  | "NoCoverage"
  | "CompileError"
  | "RuntimeError"
  | "Ignored"
  | "Pending";
const { files } = JSON.parse(readFileSync(report, "utf8")) as {
  files: Record<string, { mutants: Array<{ status: Status }> }>;
};

function score(statuses: Status[]) {
  const count = (...of: Status[]) => statuses.filter((s) => of.includes(s)).length;
  const detected = count("Killed", "Timeout");
  const valid = detected + count("Survived", "NoCoverage");
  return {
    detected,
    survived: count("Survived", "NoCoverage"),
    valid,
    percent: valid ? (100 * detected) / valid : 100,
  };
}

const rows = Object.entries(files)
  .map(([file, { mutants }]) => ({ file, ...score(mutants.map((m) => m.status)) }))
  .sort((a, b) => a.file.localeCompare(b.file));
const width = Math.max(...rows.map((r) => r.file.length));
console.log(`\n${"module".padEnd(width)}  score  detected  survived  mutants`);
for (const r of rows)
  console.log(
    `${r.file.padEnd(width)}  ${r.percent.toFixed(1).padStart(5)}  ${String(r.detected).padStart(8)}  ${String(r.survived).padStart(8)}  ${String(r.valid).padStart(7)}`,
  );
const low = rows.filter((r) => r.percent < floor);
if (low.length > 0) {
  console.error(`\nunder ${floor} %: ${low.map((r) => r.file).join(", ")}`);
  process.exit(1);
}
console.log(`\nevery module at ${floor} % or more`);
