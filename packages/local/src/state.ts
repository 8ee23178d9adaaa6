import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * What a running `npm run dev` tells other commands on this machine (create-api-key --local):
 * where its emulator and resources are, and its own org. Never a key.
 */
export type LocalRun = {
  pid: number;
  url: string;
  motoEndpoint: string;
  /** SST_RESOURCE_* variables: resource names and URLs in the emulator. */
  environment: Record<string, string>;
  orgId: string;
  startedAt: string;
};

/** LOCAL_RUN_FILE moves it (the tests run their own local runs); otherwise it sits in the project's root. */
export const file = () => process.env.LOCAL_RUN_FILE || join(import.meta.dirname, "../../../.local-run.json");

/** Writes the file and removes it again when this process exits, however it exits short of SIGKILL. */
export function publish(run: Omit<LocalRun, "pid" | "startedAt">) {
  const path = file();
  writeFileSync(
    path,
    `${JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), ...run }, null, 2)}\n`,
  );
  process.once("exit", () => withdraw(path));
  return path;
}

/** Removes the file if it is still this process's. */
export function withdraw(path = file()) {
  if (read(path)?.pid === process.pid) rmSync(path, { force: true });
}

/** The local run that is running now, or why there is none. */
export function find(path = file()): { run: LocalRun } | { missing: string } {
  const run = read(path);
  const start =
    "Start one with `npm run dev` (or `npm run dev -- --offline`) in another terminal, then run this again.";
  if (!run) return { missing: `No local run is running (there is no ${path}). ${start}` };
  if (!alive(run.pid))
    return { missing: `The local run that wrote ${path} (process ${run.pid}) is no longer running. ${start}` };
  return { run };
}

function read(path: string): LocalRun | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as LocalRun;
  } catch {
    return undefined;
  }
}

function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
