import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { settled, useStack } from "./support/stack.ts";

// The in-process worker is off; a worker process is started and killed instead. Jobs return to
// the queue 3 s after a crash (the visibility timeout), and Railway answers in 1.5 s, so the
// kill lands while verifications are in flight.
const ctx = useStack({ worker: false, visibilityTimeout: 3, standin: { latencyMs: 1500 } });
const base = "/api/v1/app-connections/railway";

describe("a worker killed mid-batch", () => {
  it("loses nothing: the unacknowledged jobs come back and end correctly, once", async () => {
    const tokens = Array.from({ length: 6 }, () => ctx.railway.addWorkspace(ctx.railway.addUser().id).workspaceToken);
    const ids: string[] = [];
    for (const [i, apiToken] of tokens.entries()) {
      const res = await ctx.api(base, {
        json: { name: `crash-${i}`, method: "team-token", credentials: { apiToken } },
      });
      ids.push(((await res.json()) as { appConnection: { id: string } }).appConnection.id);
    }

    const output: string[] = [];
    const worker = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "../scripts/worker.ts")], {
      env: process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    worker.stdout.on("data", (d) => output.push(String(d)));
    worker.stderr.on("data", (d) => output.push(String(d)));
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    const deadline = Date.now() + 20_000;
    while (ctx.railway.requests.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(ctx.railway.requests.length).toBeGreaterThan(0);
    worker.kill("SIGKILL");
    await exited;

    const pending = await Promise.all(
      ids.map(async (id) => ((await (await ctx.api(`${base}/${id}`)).json()) as any).appConnection.status),
    );
    expect(pending.filter((s) => s === "pending").length).toBeGreaterThan(0);

    const { consume } = await import("@app/local/consumer");
    const { handler } = await import("../functions/verify.ts");
    const restarted = consume(ctx.stack.resources.VerifyQueue.url ?? "", handler, { waitSeconds: 1 });
    try {
      for (const id of ids) expect((await settled(ctx, id, 30_000)).status).toBe("active");
    } finally {
      await restarted.stop();
    }
    for (const id of ids) {
      const audit = ((await (await ctx.api(`/api/v1/audit-logs?connectionId=${id}`)).json()) as any).auditLogs;
      expect(audit.map((e: { action: string }) => e.action)).toEqual([
        "app-connection.verified",
        "app-connection.created",
      ]);
    }
    const everything = output.join("") + ctx.output.join("");
    for (const token of tokens) expect(everything).not.toContain(token);
  });
});
