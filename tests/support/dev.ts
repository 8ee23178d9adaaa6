import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@app/local/ports";
import { afterAll, beforeAll } from "vitest";

const root = join(import.meta.dirname, "../..");

/**
 * `npm run dev -- --offline` as a newcomer starts it, with DEV_API_KEY=dev-key, on free ports
 * (none of the defaults), its own emulator and its own local-run file. Only the variables a
 * person's shell would have reach it: nothing another test file set. `before` runs just before
 * it starts, with the path of its local-run file.
 */
export function useDevRun(opts: { before?: (runFile: string) => void | Promise<void> } = {}) {
  const ctx = {} as {
    url: string;
    port: number;
    /** The Railway stand-in's port (the README's 4010). */
    standinPort: number;
    /** The environment a second terminal in this project would have. */
    env: NodeJS.ProcessEnv;
    runFile: string;
    output: string;
    child: ChildProcess;
    exited: Promise<number | null>;
    /** Stops it as Ctrl-C would (SIGINT to its process group), and waits. */
    stop(): Promise<number | null>;
  };
  const dir = mkdtempSync(join(tmpdir(), "dev-run-"));

  beforeAll(async () => {
    ctx.port = await freePort();
    ctx.standinPort = await freePort();
    ctx.url = `http://127.0.0.1:${ctx.port}`;
    ctx.runFile = join(dir, "local-run.json");
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !/^(AWS_|SST_|RAILWAY_|WEBHOOK|VERIFY_|PORT$|MOTO_)/.test(name)),
    );
    ctx.env = { ...inherited, LOCAL_RUN_FILE: ctx.runFile };
    ctx.output = "";
    await opts.before?.(ctx.runFile);
    ctx.child = spawn("npm", ["run", "dev", "--", "--offline"], {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...ctx.env,
        DEV_API_KEY: "dev-key",
        PORT: String(ctx.port),
        MOTO_PORT: String(await freePort()),
        RAILWAY_STANDIN_PORT: String(ctx.standinPort),
      },
    });
    for (const stream of [ctx.child.stdout, ctx.child.stderr]) stream?.on("data", (d) => (ctx.output += d));
    ctx.exited = new Promise((resolve) => ctx.child.once("exit", (code) => resolve(code)));
    let stopped = false;
    ctx.exited.then(() => (stopped = true));
    ctx.stop = async () => {
      if (!stopped && ctx.child.pid) process.kill(-ctx.child.pid, "SIGINT");
      return ctx.exited;
    };
    const deadline = Date.now() + 90_000;
    for (;;) {
      const ok = await fetch(`${ctx.url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (stopped || Date.now() > deadline) throw new Error(`npm run dev did not become healthy:\n${ctx.output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    await ctx.stop?.();
    rmSync(dir, { recursive: true, force: true });
  });
  return ctx;
}

/** Runs a command the way a person would in a second terminal in the project. */
export const run = (file: string, args: string[], env: NodeJS.ProcessEnv) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(file, args, { cwd: root, env, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
