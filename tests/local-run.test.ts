import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "@app/local/ports";
import { describe, expect, it } from "vitest";
import { run, useDevRun } from "./support/dev.ts";

// Issue 29, defect 12: one local run per local-run file. A second `npm run dev` in the same
// checkout refuses to start instead of taking the file over (create-api-key --local would then
// add keys to the wrong run); a file left by a run that was killed does not stop a new one.

/** What a run killed with SIGKILL leaves behind: its file, naming a process that is gone. */
let killedPid = 0;
const dev = useDevRun({
  before: async (runFile) => {
    const gone = spawn(process.execPath, ["-e", ""]);
    await new Promise((r) => gone.once("exit", r));
    killedPid = gone.pid ?? 0;
    writeFileSync(
      runFile,
      JSON.stringify({ pid: killedPid, startedAt: new Date().toISOString(), url: "http://127.0.0.1:9", orgId: "gone" }),
    );
  },
});
const root = join(import.meta.dirname, "..");
const held = () => JSON.parse(readFileSync(dev.runFile, "utf8")) as { pid: number; url: string; orgId: string };

describe("one local run per local-run file", () => {
  it("a file left by a killed run does not stop a new run, which takes it over", () => {
    expect(killedPid).toBeGreaterThan(0);
    expect(held().pid).not.toBe(killedPid);
    expect(held().url).toBe(dev.url);
  });

  it("a second run in the same checkout refuses to start, naming the first and how to run two", async () => {
    const before = readFileSync(dev.runFile, "utf8");
    const second = spawn("npm", ["run", "dev", "--", "--offline"], {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...dev.env,
        DEV_API_KEY: "second-key",
        PORT: String(await freePort()),
        MOTO_PORT: String(await freePort()),
        RAILWAY_STANDIN_PORT: String(await freePort()),
      },
    });
    let stderr = "";
    second.stderr?.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        if (second.pid) process.kill(-second.pid, "SIGINT");
      }, 20_000);
      second.once("exit", (exit) => {
        clearTimeout(timer);
        resolve(exit);
      });
    });
    expect(code, stderr).toBe(1);
    expect(stderr).toContain(`process ${held().pid}, at ${dev.url}`);
    expect(stderr).toContain("LOCAL_RUN_FILE=");
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(readFileSync(dev.runFile, "utf8")).toBe(before);

    // So create-api-key --local still adds keys to the first run, in its org.
    const made = await run("npm", ["run", "-s", "create-api-key", "--", "--name", "ci", "--local"], dev.env);
    expect(made.code, made.stderr).toBe(0);
    const key = JSON.parse(made.stdout) as { apiKey: string; orgId: string };
    expect(key.orgId).toBe(held().orgId);
    const res = await fetch(`${dev.url}/api/v1/app-connections/railway`, {
      headers: { authorization: `Bearer ${key.apiKey}` },
    });
    expect(res.status).toBe(200);
  }, 60_000);
});
