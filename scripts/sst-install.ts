import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Installs SST's platform (Pulumi and its AWS provider, from the npm registry) into .sst/platform
 * and generates .sst/platform/config.d.ts, which types sst.config.ts and infra/. Needs no AWS
 * credentials, Pulumi binary or Bun. With `--if-missing`, does nothing when the platform of this
 * SST version is already there.
 */
const root = join(import.meta.dirname, "..");
const platform = join(root, ".sst/platform");
const sstVersion: string = JSON.parse(readFileSync(join(root, "node_modules/sst/package.json"), "utf8")).version;

const installed = () =>
  existsSync(join(platform, "config.d.ts")) &&
  existsSync(join(platform, "node_modules/@pulumi/aws")) &&
  readFileSync(join(platform, "version"), "utf8").trim() === sstVersion;

if (!(process.argv.includes("--if-missing") && installed())) {
  console.error(`Installing SST ${sstVersion}'s platform into .sst/platform...`);
  execFileSync("sst", ["install"], {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      SST_TELEMETRY_DISABLED: "1",
      // Skips downloading the Pulumi CLI and Bun (neither is needed to install or type-check).
      SST_SKIP_DEPENDENCY_CHECK: "1",
      SST_NO_BUN: "1",
      // `sst install` wants a stage, though it installs nothing stage-specific.
      SST_STAGE: process.env.SST_STAGE ?? "typecheck",
    },
  });
}
