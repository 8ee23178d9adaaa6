import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * What a running `npm run dev` tells other commands on this machine (create-api-key --local):
 * where its emulator and resources are, and its own org. Never a key. One run per file: a second
 * run in the same checkout refuses to start rather than take the file over (see `claim`).
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

/** The file from the moment a run starts: until it is ready, only who holds it and its port. */
type Held = Partial<LocalRun> & { pid: number; startedAt: string; port?: number };

/** LOCAL_RUN_FILE moves it (the tests run their own local runs); otherwise it sits in the project's root. */
export const file = () => process.env.LOCAL_RUN_FILE || join(import.meta.dirname, "../../../.local-run.json");

const write = (path: string, held: Held, flag: "w" | "wx") =>
  writeFileSync(path, `${JSON.stringify(held, null, 2)}\n`, { flag });

/**
 * Takes the file for this process before anything starts, or says which run holds it. A file
 * whose process is gone (a run killed with SIGKILL) is taken over. Removed again when this
 * process exits, however it exits short of a signal that kills it.
 */
export function claim(port: number): { path: string } | { taken: string } {
  const path = file();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      write(path, { pid: process.pid, startedAt: new Date().toISOString(), port }, "wx");
      process.once("exit", () => withdraw(path));
      return { path };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const other = read(path);
    if (other && alive(other.pid)) return { taken: heldBy(path, other) };
    rmSync(path, { force: true });
  }
  const other = read(path);
  return { taken: other ? heldBy(path, other) : `Another local run is starting with ${path}; try again.` };
}

function heldBy(path: string, other: Held) {
  const where = other.url ? `at ${other.url}` : `starting on port ${other.port ?? "?"}`;
  return [
    `Another local run is already running in this checkout: process ${other.pid}, ${where} (it wrote ${path}).`,
    "This one did not start: it would overwrite that file, and `npm run create-api-key -- --local` would add keys to the wrong run.",
    "To run a second one beside it, give it a file and ports of its own, and name the file to create-api-key too:",
    "  LOCAL_RUN_FILE=.local-run-2.json PORT=3001 MOTO_PORT=5056 RAILWAY_STANDIN_PORT=4011 npm run dev -- --offline",
    "  LOCAL_RUN_FILE=.local-run-2.json npm run create-api-key -- --name ci --local",
    `If process ${other.pid} is not a local run, delete ${path} and start again.`,
  ].join("\n");
}

/** Fills in the file this process claimed, now that the run is ready. */
export function publish(run: Omit<LocalRun, "pid" | "startedAt">) {
  const path = file();
  const held = read(path);
  const startedAt = held?.pid === process.pid ? held.startedAt : new Date().toISOString();
  write(path, { pid: process.pid, startedAt, ...run }, "w");
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
  if (!run.url)
    return {
      missing: `The local run that wrote ${path} (process ${run.pid}) is still starting; run this again once it is ready.`,
    };
  return { run: run as LocalRun };
}

function read(path: string): Held | undefined {
  try {
    const held = JSON.parse(readFileSync(path, "utf8")) as Held;
    return typeof held?.pid === "number" ? held : undefined;
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
