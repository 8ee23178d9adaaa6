import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { receive, scan, sqsRecord } from "./support/aws.ts";
import { runMaintenance } from "./support/maintenance.ts";
import { useStack } from "./support/stack.ts";

// The worker is off: this file takes the job off the queue itself, looks at it, and then
// hands it to the worker's Lambda handler as Lambda would.
const ctx = useStack({ worker: false });

/** A new user's account-token connection, and its verification job taken off the queue. */
async function queued(name: string) {
  const user = ctx.railway.addUser();
  const res = await ctx.api("/api/v1/app-connections/railway", {
    json: { name, method: "account-token", credentials: { apiToken: user.accountToken } },
  });
  const { appConnection } = (await res.json()) as { appConnection: { id: string } };
  const [message] = await receive(ctx.stack.resources.VerifyQueue.url ?? "");
  return { user, appConnection, record: sqsRecord(message!) };
}

describe("the token is ciphertext wherever it rests", () => {
  it("queue message, table item and logs never hold it; the stored blob opens only in its own context", async () => {
    const user = ctx.railway.addUser();
    const workspace = ctx.railway.addWorkspace(user.id);
    const token = workspace.workspaceToken;

    const res = await ctx.api("/api/v1/app-connections/railway", {
      json: { name: "sealed", method: "team-token", credentials: { apiToken: `  ${token}  ` } },
    });
    expect(res.status).toBe(202);
    const { appConnection } = (await res.json()) as {
      appConnection: { id: string; orgId: string; credentialsHash: string };
    };

    const [message, ...others] = await receive(ctx.stack.resources.VerifyQueue.url ?? "");
    expect(others).toHaveLength(0);
    expect(message?.Body).toBeDefined();
    expect(message?.Body).not.toContain(token);
    const job = JSON.parse(message?.Body ?? "{}");
    expect(job).toMatchObject({
      connectionId: appConnection.id,
      orgId: appConnection.orgId,
      jobId: expect.any(String),
    });
    expect(Buffer.from(job.sealedToken, "base64").toString("latin1")).not.toContain(token);

    const { handler } = await import("../functions/verify.ts");
    const result = await handler({ Records: [sqsRecord(message!)] }, {} as Context);
    expect(result.batchItemFailures).toEqual([]);

    const items = await scan(ctx.stack.resources.Table.name);
    const stored = items.find((i) => i.id === appConnection.id);
    expect(stored?.status).toBe("active");
    const everything = JSON.stringify(items, (_, v) =>
      v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : v,
    );
    expect(everything).not.toContain(token);

    const Secrets = await import("@app/core/crypto");
    const sealed = stored?.sealedCredentials as Uint8Array;
    expect(sealed.byteLength).toBeGreaterThan(token.length);
    // The hash is the create's, through verification and re-sealing, and not the ciphertext's.
    expect(stored?.credentialsHash).toBe(appConnection.credentialsHash);
    expect(Secrets.sha256(sealed)).not.toBe(stored?.credentialsHash);
    // The token was trimmed before sealing, and opens under its own org and connection only.
    await expect(
      Secrets.open(sealed, Secrets.credentialContext(appConnection.orgId, appConnection.id, "railway")),
    ).resolves.toBe(token);
    await expect(
      Secrets.open(sealed, Secrets.credentialContext(appConnection.orgId, appConnection.id, "another-app")),
    ).rejects.toMatchObject({ name: "InvalidCiphertextException" });
    const otherConnection = crypto.randomUUID();
    await expect(
      Secrets.open(sealed, Secrets.credentialContext(appConnection.orgId, otherConnection, "railway")),
    ).rejects.toMatchObject({ name: "InvalidCiphertextException" });
    await expect(
      Secrets.open(sealed, Secrets.credentialContext(crypto.randomUUID(), appConnection.id, "railway")),
    ).rejects.toMatchObject({ name: "InvalidCiphertextException" });
    // A job blob is not a credential: it does not open as one either.
    await expect(
      Secrets.open(
        Buffer.from(job.sealedToken, "base64"),
        Secrets.credentialContext(appConnection.orgId, appConnection.id, "railway"),
      ),
    ).rejects.toMatchObject({ name: "InvalidCiphertextException" });

    const output = ctx.output.join("");
    expect(output).toContain(appConnection.id);
    expect(output).not.toContain(token);
  });

  it("a job delivered twice settles the connection once and is acknowledged both times", async () => {
    const { user, appConnection, record } = await queued("twice");
    const { handler } = await import("../functions/verify.ts");
    const first = await handler({ Records: [record] }, {} as Context);
    const afterFirst = (await scan(ctx.stack.resources.Table.name)).find((i) => i.id === appConnection.id);
    const second = await handler({ Records: [record] }, {} as Context);
    const afterSecond = (await scan(ctx.stack.resources.Table.name)).find((i) => i.id === appConnection.id);
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    expect(afterFirst?.status).toBe("active");
    expect(afterSecond?.updatedAt).toBe(afterFirst?.updatedAt);
    expect(afterSecond?.credentialsHash).toBe(afterFirst?.credentialsHash);
    expect(ctx.railway.requests.filter((r) => r.authorization === `Bearer ${user.accountToken}`)).toHaveLength(1);
  });
});

describe("a create queues its job only once its transaction has committed", () => {
  /** Holds the API's transactions until `release` (an SDK middleware on the core's client, in this process). */
  async function holdTransactions() {
    const Dynamo = await import("@app/core/dynamo");
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const name = `hold-${crypto.randomUUID()}`;
    Dynamo.raw.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "TransactWriteItemsCommand") await gate;
        return next(args);
      },
      { step: "initialize", name },
    );
    return { release, remove: () => Dynamo.raw.middlewareStack.remove(name) };
  }

  it("nothing is on the queue while the transaction is held; the job follows the commit and verifies", async () => {
    const hold = await holdTransactions();
    try {
      const user = ctx.railway.addUser();
      const answer = ctx.api("/api/v1/app-connections/railway", {
        json: { name: "held-commit", method: "account-token", credentials: { apiToken: user.accountToken } },
      });
      await new Promise((r) => setTimeout(r, 500)); // the seal (KMS) is done by now
      expect(await receive(ctx.stack.resources.VerifyQueue.url ?? "")).toEqual([]);
      hold.release();
      expect((await answer).status).toBe(202);
      const [message] = await receive(ctx.stack.resources.VerifyQueue.url ?? "");
      expect(message).toBeDefined();
      const { handler } = await import("../functions/verify.ts");
      expect((await handler({ Records: [sqsRecord(message!)] }, {} as Context)).batchItemFailures).toEqual([]);
      const stored = (await scan(ctx.stack.resources.Table.name)).find(
        (i) => i.type === "connection" && i.name === "held-commit",
      );
      expect(stored?.status).toBe("active");
    } finally {
      hold.release();
      hold.remove();
    }
  });
});

describe("nothing stays pending forever", () => {
  it("a job that reaches the dead-letter queue fails its connection, and a late duplicate cannot revive it", async () => {
    const { user, appConnection, record } = await queued("dead-lettered");
    const deadLetter = await import("../functions/dead-letter.ts");
    const result = await deadLetter.handler({ Records: [record] }, {} as Context);
    expect(result.batchItemFailures).toEqual([]);

    const get = () => ctx.api(`/api/v1/app-connections/railway/${appConnection.id}`).then((r) => r.json() as any);
    const failed = (await get()).appConnection;
    expect(failed.status).toBe("failed");
    expect(failed.statusMessage).toMatch(/could not be verified.*Send the credentials again/);

    const { handler } = await import("../functions/verify.ts");
    await handler({ Records: [record] }, {} as Context);
    expect((await get()).appConnection).toEqual(failed);
    expect(ctx.railway.requests.filter((r) => r.authorization === `Bearer ${user.accountToken}`)).toHaveLength(0);
  });
});

describe("jobs that lost the race change nothing", () => {
  const base = "/api/v1/app-connections/railway";

  it("a verification job for older credentials never overwrites the newer ones", async () => {
    const user = ctx.railway.addUser();
    const workspace = ctx.railway.addWorkspace(user.id, { name: "newer" });
    const res = await ctx.api(base, {
      json: { name: "superseded", method: "account-token", credentials: { apiToken: "old-bad-token" } },
    });
    const { appConnection } = (await res.json()) as { appConnection: { id: string } };
    await ctx.api(`${base}/${appConnection.id}`, {
      method: "PATCH",
      json: { method: "team-token", credentials: { apiToken: workspace.workspaceToken } },
    });
    const messages = await receive(ctx.stack.resources.VerifyQueue.url ?? "");
    expect(messages).toHaveLength(2);
    const { handler } = await import("../functions/verify.ts");
    // The newer job first, then the older one arrives late.
    const [older, newer] = messages.sort(
      (a, b) => Number(a.Attributes?.SentTimestamp) - Number(b.Attributes?.SentTimestamp),
    );
    await handler({ Records: [sqsRecord(newer!)] }, {} as Context);
    await handler({ Records: [sqsRecord(older!)] }, {} as Context);
    const conn = ((await (await ctx.api(`${base}/${appConnection.id}`)).json()) as any).appConnection;
    expect(conn).toMatchObject({ status: "active", method: "team-token", pendingVerification: null, version: 2 });
    expect(ctx.railway.requests.some((r) => r.authorization === "Bearer old-bad-token")).toBe(false);
  });

  it("a verification in flight when its connection is deleted does not bring it back", async () => {
    const { appConnection, record } = await queued("deleted-midway");
    expect((await ctx.api(`${base}/${appConnection.id}`, { method: "DELETE" })).status).toBe(200);
    const { handler } = await import("../functions/verify.ts");
    const result = await handler({ Records: [record] }, {} as Context);
    expect(result.batchItemFailures).toEqual([]);
    expect((await ctx.api(`${base}/${appConnection.id}`)).status).toBe(404);
    const items = await scan(ctx.stack.resources.Table.name);
    const left = items
      .filter((i) => i.id === appConnection.id || i.connectionId === appConnection.id)
      .map((i) => i.type);
    expect(left).toContain("audit");
    expect(left).not.toContain("connection");
    expect(left).not.toContain("name");
  });
});

describe("a re-check asked for while a verification is in flight", () => {
  it("leaves the pending rotation's job in place, and the rotation completes", async () => {
    const base = "/api/v1/app-connections/railway";
    const { user, appConnection, record } = await queued("rotate-then-verify");
    const { handler } = await import("../functions/verify.ts");
    await handler({ Records: [record] }, {} as Context);
    const workspace = ctx.railway.addWorkspace(user.id, { name: "rotated" });
    await ctx.api(`${base}/${appConnection.id}`, {
      method: "PATCH",
      json: { method: "team-token", credentials: { apiToken: workspace.workspaceToken } },
    });
    const verify = await ctx.api(`${base}/${appConnection.id}/verify`, { method: "POST" });
    expect(verify.status).toBe(202);
    expect(((await verify.json()) as any).appConnection).toMatchObject({
      rotation: { status: "pending" },
      pendingVerification: { purpose: "rotation" },
    });
    const messages = await receive(ctx.stack.resources.VerifyQueue.url ?? "");
    expect(messages).toHaveLength(1);
    await handler({ Records: [sqsRecord(messages[0]!)] }, {} as Context);
    const conn = ((await (await ctx.api(`${base}/${appConnection.id}`)).json()) as any).appConnection;
    expect(conn).toMatchObject({ status: "active", method: "team-token", rotation: null, pendingVerification: null });
    expect(conn.railway.workspaces).toEqual([expect.objectContaining({ name: "rotated" })]);
  });
});

describe("duplicate delivery", () => {
  it("the same job delivered twice at once yields one outcome and one audit record", async () => {
    const { appConnection, record } = await queued("concurrent-twins");
    const { handler } = await import("../functions/verify.ts");
    const results = await Promise.all([
      handler({ Records: [record] }, {} as Context),
      handler({ Records: [record] }, {} as Context),
    ]);
    expect(results.map((r) => r.batchItemFailures)).toEqual([[], []]);
    const audit = ((await (await ctx.api(`/api/v1/audit-logs?connectionId=${appConnection.id}`)).json()) as any)
      .auditLogs;
    expect(audit.map((e: any) => e.action)).toEqual(["app-connection.verified", "app-connection.created"]);
    const conn = ((await (await ctx.api(`/api/v1/app-connections/railway/${appConnection.id}`)).json()) as any)
      .appConnection;
    expect(conn).toMatchObject({ status: "active", pendingVerification: null });
  });
});

describe("maintenance", () => {
  const base = "/api/v1/app-connections/railway";
  const maintenanceQueue = () => ctx.stack.resources.MaintenanceQueue.url ?? "";
  // No spreading: the re-checks a run queues are visible at once.
  process.env.REVERIFY_PER_SECOND = "0";
  const get = async (id: string) => ((await (await ctx.api(`${base}/${id}`)).json()) as any).appConnection;
  const later = () => new Date(Date.now() + 60_000);

  it("the sweep settles a verification whose job was lost, and re-queues a lost re-check", async () => {
    const lost = await ctx.api(base, {
      json: { name: "lost-job", method: "team-token", credentials: { apiToken: "x" } },
    });
    const lostId = ((await lost.json()) as any).appConnection.id;
    await receive(ctx.stack.resources.VerifyQueue.url ?? ""); // the job is taken and never finished

    const swept = await runMaintenance("sweep", maintenanceQueue(), later());
    expect(swept.items).toBeGreaterThanOrEqual(1);
    const failed = await get(lostId);
    expect(failed).toMatchObject({ status: "failed", pendingVerification: null });
    expect(failed.statusMessage).toMatch(/did not complete.*send the credentials again/);
    expect((await runMaintenance("sweep", maintenanceQueue(), later())).items).toBe(0);
  });

  it("the scheduled re-verification re-checks old active connections and marks revoked tokens failed", async () => {
    const user = ctx.railway.addUser();
    const res = await ctx.api(base, {
      json: { name: "to-revoke", method: "account-token", credentials: { apiToken: user.accountToken } },
    });
    const id = ((await res.json()) as any).appConnection.id;
    const { handler } = await import("../functions/verify.ts");
    const drain = async () => {
      for (const m of await receive(ctx.stack.resources.VerifyQueue.url ?? ""))
        await handler({ Records: [sqsRecord(m)] }, {} as Context);
    };
    await drain();
    expect((await get(id)).status).toBe("active");

    expect((await runMaintenance("reverify", maintenanceQueue(), new Date(Date.now() - 3_600_000))).items).toBe(0);
    ctx.railway.revokeToken(user.accountToken);
    const queued = await runMaintenance("reverify", maintenanceQueue(), later());
    expect(queued.items).toBeGreaterThanOrEqual(1);
    expect((await get(id)).pendingVerification).toMatchObject({ purpose: "recheck" });
    await drain();
    const revoked = await get(id);
    expect(revoked).toMatchObject({ status: "failed", pendingVerification: null });
    expect(revoked.statusMessage).toMatch(/Railway rejected this account token \(Not Authorized\)/);
    const audit = ((await (await ctx.api(`/api/v1/audit-logs?connectionId=${id}`)).json()) as any).auditLogs;
    expect(audit[1]).toMatchObject({
      action: "app-connection.verification-requested",
      actor: { type: "system", reason: "scheduled re-verification" },
    });
  });
});

describe("a maintenance run with more due than one page", () => {
  it("pages through every shard until all due connections are re-checked", async () => {
    const base = "/api/v1/app-connections/railway";
    const { handler } = await import("../functions/verify.ts");
    const queue = ctx.stack.resources.VerifyQueue.url ?? "";
    const drain = async () => {
      for (let m = await receive(queue); m.length > 0; m = await receive(queue))
        await Promise.all(m.map((one) => handler({ Records: [sqsRecord(one)] }, {} as Context)));
    };
    for (let i = 0; i < 24; i++)
      await ctx.api(base, {
        json: {
          name: `paged-${i}`,
          method: "account-token",
          credentials: { apiToken: ctx.railway.addUser().accountToken },
        },
      });
    await drain();
    const active = (await scan(ctx.stack.resources.Table.name)).filter(
      (i) => i.type === "connection" && i.status === "active",
    );
    expect(active.length).toBeGreaterThanOrEqual(24);

    process.env.MAINTENANCE_PAGE_SIZE = "2";
    try {
      const run = await runMaintenance(
        "reverify",
        ctx.stack.resources.MaintenanceQueue.url ?? "",
        new Date(Date.now() + 60_000),
      );
      expect(run.items).toBe(active.length);
      // More pages than shards: some shard needed a continuation.
      expect(run.pages).toBeGreaterThan(16);
    } finally {
      delete process.env.MAINTENANCE_PAGE_SIZE;
    }
    const after = (await scan(ctx.stack.resources.Table.name)).filter((i) => i.type === "connection");
    for (const item of active) expect(after.find((a) => a.id === item.id)?.job).toMatchObject({ purpose: "recheck" });
    await drain();
  });
});

describe("concurrent invocations in one process", () => {
  it("each reports its own failed records (the local run polls with several consumers)", async () => {
    const base = "/api/v1/app-connections/railway";
    for (const name of ["overlap-a", "overlap-b"]) {
      const user = ctx.railway.addUser();
      await ctx.api(base, { json: { name, method: "account-token", credentials: { apiToken: user.accountToken } } });
    }
    const messages = await receive(ctx.stack.resources.VerifyQueue.url ?? "");
    expect(messages).toHaveLength(2);
    ctx.railway.injectFaults({ type: "status", status: 503 });
    const { handler } = await import("../functions/verify.ts");
    const results = await Promise.all(messages.map((m) => handler({ Records: [sqsRecord(m)] }, {} as Context)));
    const failed = results.flatMap((r) => r.batchItemFailures.map((f) => f.itemIdentifier));
    expect(failed).toHaveLength(1);
    const pendingJob = JSON.parse(messages.find((m) => m.MessageId === failed[0])?.Body ?? "{}");
    const pending = ((await (await ctx.api(`${base}/${pendingJob.connectionId}`)).json()) as any).appConnection;
    expect(pending.status).toBe("pending");
    const other = messages.find((m) => m.MessageId !== failed[0]);
    const done = ((await (await ctx.api(`${base}/${JSON.parse(other?.Body ?? "{}").connectionId}`)).json()) as any)
      .appConnection;
    expect(done.status).toBe("active");
  });
});
