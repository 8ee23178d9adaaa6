import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run, useDevRun } from "./support/dev.ts";

// A newcomer's first hour: one `DEV_API_KEY=dev-key npm run dev -- --offline`, on ports that are
// not the defaults; create-api-key --local against it; then every shell block of the README and of
// the docs pages (in docs/README.md's order), in one bash session, as written (only the API's and
// the Railway stand-in's addresses are this run's).
const dev = useDevRun();
const root = join(import.meta.dirname, "..");
const pages = ["README.md", ...docsPages(readFileSync(join(root, "docs/README.md"), "utf8"))];
const json = (text: string) => JSON.parse(text) as Record<string, any>;
const createKey = (args: string[], env = dev.env) => run("npm", ["run", "-s", "create-api-key", "--", ...args], env);
const api = (path: string, key: string, init: RequestInit = {}) =>
  fetch(`${dev.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
  });

/** The pages docs/README.md's table links to, in its order, as paths from the root. */
function docsPages(index: string) {
  return [...index.matchAll(/^\| \[[^\]]+\]\(([\w-]+\.md)\)/gm)].map((m) => `docs/${m[1]}`);
}

/** The fenced blocks of every page, each with its page, language, first line number and text. */
function fencedBlocks(files: string[]) {
  return files.flatMap((file) =>
    blocksOf(readFileSync(join(root, file), "utf8")).map((b) => ({ ...b, line: `${file}:${b.line}` })),
  );
}

function blocksOf(markdown: string) {
  const blocks: { lang: string; line: number; body: string }[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i]?.match(/^```(\S*)/);
    if (!open) continue;
    const start = i;
    while (++i < lines.length && !lines[i]?.startsWith("```"));
    blocks.push({ lang: open[1] ?? "", line: start + 1, body: lines.slice(start + 1, i).join("\n") });
  }
  return blocks;
}

/** A shell block the test leaves out says so on its first line, with the reason. */
const NOT_RUN = /^# not run by the README test\b.*:\s*\S/;

describe("create-api-key --local", () => {
  it("says clearly, without a stack trace, when no local run is running", async () => {
    const missing = await createKey(["--local"], { ...dev.env, LOCAL_RUN_FILE: `${dev.runFile}.absent` });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("No local run is running");
    expect(missing.stderr).toContain("npm run dev");
    expect(missing.stderr).not.toMatch(/^\s+at /m);
    expect(missing.stdout).toBe("");

    // What a run killed with SIGKILL leaves behind: its file, naming a process that is gone.
    const gone = spawn(process.execPath, ["-e", ""]);
    await new Promise((r) => gone.once("exit", r));
    const stale = `${dev.runFile}.stale`;
    writeFileSync(stale, JSON.stringify({ ...json(readFileSync(dev.runFile, "utf8")), pid: gone.pid }));
    const dead = await createKey(["--local"], { ...dev.env, LOCAL_RUN_FILE: stale });
    expect(dead.code).toBe(1);
    expect(dead.stderr).toContain("is no longer running");
    expect(dead.stderr).not.toMatch(/^\s+at /m);
  });

  it("the local run's file names where it runs and its org, and holds no key", () => {
    const file = readFileSync(dev.runFile, "utf8");
    expect(json(file)).toMatchObject({ url: dev.url, orgId: expect.any(String) });
    expect(file).not.toContain("dev-key");
    expect(file).not.toContain("rwc_");
  });

  it("finds the run on its non-default ports; the key it prints works and sees the run's own connections", async () => {
    const made = await api("/api/v1/app-connections/railway", "dev-key", {
      method: "POST",
      body: JSON.stringify({
        name: "made-with-dev-key",
        method: "account-token",
        credentials: { apiToken: "demo-account-token" },
      }),
    });
    expect(made.status).toBe(202);

    const created = await createKey(["--name", "ci", "--local"]);
    expect(created.code, created.stderr).toBe(0);
    const key = json(created.stdout);
    expect(key.orgId).toBe(json(readFileSync(dev.runFile, "utf8")).orgId);
    expect(created.stderr).toContain("the local run's own");
    const list = json(await (await api("/api/v1/app-connections/railway", key.apiKey)).text());
    expect(list.appConnections.map((c: { name: string }) => c.name)).toContain("made-with-dev-key");

    const apart = await createKey(["--name", "elsewhere", "--local", "--new-org"]);
    expect(apart.code, apart.stderr).toBe(0);
    const other = json(apart.stdout);
    expect(other.orgId).not.toBe(key.orgId);
    const empty = await api("/api/v1/app-connections/railway", other.apiKey);
    expect(empty.status).toBe(200);
    expect(json(await empty.text()).appConnections).toEqual([]);

    expect((await createKey(["--local", "--org", "x", "--new-org"])).code).toBe(2);
  });
});

describe("the README's and the docs' shell examples", () => {
  it("cover the README and every page of docs/", () => {
    expect(pages.length).toBeGreaterThanOrEqual(10);
    for (const page of pages) expect(existsSync(join(root, page)), page).toBe(true);
  });

  const blocks = fencedBlocks(pages).filter((b) => /^(sh|bash|shell)$/.test(b.lang));
  const runnable = blocks.filter((b) => !NOT_RUN.test(b.body));

  it("run as written, in order, in one shell, against the local run", async () => {
    expect(runnable.length).toBeGreaterThanOrEqual(4);
    const script = [
      "set -eo pipefail",
      // An example that answers 4xx/5xx fails, and says which.
      'curl() { command curl --fail-with-body "$@"; }',
      ...runnable.map(
        (b, i) =>
          `printf '\\n@@block ${i}\\n'\n${b.body
            .replace(/(127\.0\.0\.1|localhost):3000\b/g, `127.0.0.1:${dev.port}`)
            .replace(/(127\.0\.0\.1|localhost):4010\b/g, `127.0.0.1:${dev.standinPort}`)}`,
      ),
      "printf '\\n@@done\\n'",
    ].join("\n");
    const result = await run("bash", ["-c", script], dev.env);
    const outputs = result.stdout
      .split(/^@@block \d+\n/m)
      .slice(1)
      .map((o) => o.replace(/\n(@@done\n)?$/, ""));
    const failed = runnable[outputs.length - 1];
    expect(
      result.code,
      `block at ${failed?.line} failed (exit ${result.code}):\n${failed?.body}\n--- output\n${outputs.at(-1)}\n--- stderr\n${result.stderr}\n--- npm run dev\n${dev.output.slice(-3000)}`,
    ).toBe(0);
    expect(result.stdout).toContain("@@done");

    // Where the README shows the answer's status line right after a block, the answer has it.
    const all = fencedBlocks(pages);
    for (const [i, block] of runnable.entries()) {
      const next = all[all.findIndex((b) => b.line === block.line) + 1];
      const shown = next && next.lang === "" ? next.body.match(/^HTTP\/1\.1 \d{3}/)?.[0] : undefined;
      if (shown) expect(outputs[i], next?.line).toMatch(new RegExp(`^${shown}`));
    }
  }, 120_000);

  it("each block left out says why, and only those that cannot run here are", () => {
    const left = blocks.filter((b) => NOT_RUN.test(b.body));
    for (const b of left) expect(b.body, b.line).toMatch(/npm install|npm test|sst |npm run dev/);
    expect(left.length).toBeLessThanOrEqual(5);
  });

  it("stops on SIGINT as Ctrl-C stops it, and removes its local-run file", async () => {
    expect(existsSync(dev.runFile)).toBe(true);
    expect(await dev.stop()).toBe(0);
    expect(existsSync(dev.runFile)).toBe(false);
    const after = await createKey(["--local"]);
    expect(after.stderr).toContain("No local run is running");
    // Each worker finishes the job it holds before it stops (the sync worker's Railway calls
    // included), which on a loaded 2-core machine once took over the default 30 s.
  }, 90_000);
});
