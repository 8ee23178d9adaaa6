/** The project-local Python environment that holds the test tooling (moto). */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const root = join(import.meta.dirname, "../../..");
export const dir = join(root, ".venv");
export const bin = (name: string) => join(dir, "bin", name);

/** Creates `.venv` and installs requirements-dev.txt into it, unless that was done already. */
export function ensure() {
  if (existsSync(bin("moto_server")) && existsSync(bin("schemathesis"))) return;
  const python = process.env.PYTHON ?? "python3";
  console.error(`Installing moto and schemathesis into ${dir} (one time)...`);
  if (!existsSync(bin("pip"))) execFileSync(python, ["-m", "venv", dir], { stdio: "inherit" });
  execFileSync(bin("pip"), ["install", "--quiet", "-r", join(root, "requirements-dev.txt")], { stdio: "inherit" });
}
