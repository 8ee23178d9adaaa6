// Railway's rate limit end to end: the API, the real queues and workers in the emulator, and a
// stand-in token with a tiny budget. A spent budget is waited out, not failed.
import { randomUUID } from "node:crypto";
import * as Connection from "@app/core/connection";
import * as Dynamo from "@app/core/dynamo";
import * as Layout from "@app/core/layout";
import * as RateLimit from "@app/core/ratelimit";
import * as Sync from "@app/core/sync";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as Railway from "./support/railway.ts";
import { connect } from "./support/railway.ts";
import { useStack } from "./support/stack.ts";
import { until } from "./support/until.ts";

// Both workers read their attempts (VERIFY_MAX_ATTEMPTS) once, as their modules load: here,
// before useStack sets its own. Two attempts: each 429 spending one would fail the jobs.
vi.hoisted(() => {
  process.env.VERIFY_MAX_ATTEMPTS = "2";
  process.env.SYNC_DEBOUNCE_SECONDS = "1";
});
await import("@app/core/verification");

const ctx = useStack();
const source = Sync.memory();
beforeAll(() => Sync.use(source));

const budget = { requests: 5, windowMs: 2000 };
const services = ["api", "web", "worker", "cron"];

/** A workspace token limited to `budget`, an active connection with it, and a project of four deployed services. */
async function setup(limit = budget) {
  const { railway } = ctx;
  const team = railway.addWorkspace(railway.addUser().id);
  railway.limitToken(team.workspaceToken, limit);
  const app = railway.addProject(team.id, { services });
  const projectId = randomUUID();
  const appConnection = { id: await connect(ctx, team.workspaceToken, projectId, `rl-${projectId.slice(0, 8)}`) };
  const folder = { orgId: ctx.stack.orgId, projectId, environment: "prod", secretPath: "/app" };
  const environmentId = app.environments[0]!.id;
  const scopes = app.services.map((s) => ({ projectId: app.id, environmentId, serviceId: s.id }));
  return { token: team.workspaceToken, projectId, connectionId: appConnection.id, folder, scopes };
}

const createSync = async (s: Awaited<ReturnType<typeof setup>>, scope: (typeof s.scopes)[number]) =>
  (await Railway.createSync(ctx, s, scope)).id as string;

const getSync = (id: string) => Railway.getSync(ctx, id);
const getConnection = async (id: string) =>
  ((await (await ctx.api(`/api/v1/app-connections/railway/${id}`)).json()) as { appConnection: Record<string, any> })
    .appConnection;

const limited = (token: string) =>
  ctx.railway.requests.filter((r) => r.authorization === `Bearer ${token}` && r.status === 429).length;

describe("a token's rate limit is waited out", () => {
  it("four syncs and a re-verification on a token of 5 requests per 2 s all succeed with two attempts each, saying while they wait", async () => {
    const s = await setup();
    source.set(s.folder, { DATABASE_URL: "postgres://db/app", STRIPE_KEY: "sk_test_rl" });
    const before = await getConnection(s.connectionId);

    // 4 syncs of 4 requests each (read, upsert, deployments, redeploy) and a re-check of one: 17
    // requests, at least four windows of the token's budget.
    const ids = await Promise.all(s.scopes.map((scope) => createSync(s, scope)));
    expect((await ctx.api(`/api/v1/app-connections/railway/${s.connectionId}/verify`, { method: "POST" })).status).toBe(
      202,
    );

    // A held sync is pending, saying so; once its job is back it runs, and its result replaces the message.
    const waits = new Set<string>();
    const syncs = await until(async () => {
      const all = await Promise.all(ids.map(getSync));
      for (const sync of all)
        if (/^Waiting for Railway's rate limit/.test(sync.lastSyncMessage ?? "")) {
          expect(sync.syncStatus).toMatch(/^(pending|running)$/);
          if (sync.syncStatus === "pending") waits.add(sync.lastSyncMessage);
        }
      return all.every((sync) => sync.syncStatus === "succeeded" || sync.syncStatus === "failed") ? all : undefined;
    }, 60_000);

    expect(syncs.map((sync) => [sync.syncStatus, sync.lastSyncMessage])).toEqual(
      ids.map(() => ["succeeded", "Wrote 2 secrets, deleted 0 secrets; redeployed the latest successful deployment."]),
    );
    for (const scope of s.scopes)
      expect(ctx.railway.getVariables(scope)).toEqual({ DATABASE_URL: "postgres://db/app", STRIPE_KEY: "sk_test_rl" });
    // The message names the time in whole seconds, UTC.
    expect(waits.size).toBeGreaterThan(0);
    for (const message of waits)
      expect(message).toMatch(/^Waiting for Railway's rate limit until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.$/);

    const connection = await until(async () => {
      const c = await getConnection(s.connectionId);
      return c.pendingVerification === null ? c : undefined;
    }, 30_000);
    expect(connection.status).toBe("active");
    expect(connection.verifiedAt > before.verifiedAt).toBe(true);

    // Each job reserves its requests before it starts, so a 429 comes only from a window no job
    // knew of yet: at most the jobs that started together before any answer was recorded (here
    // the verification settled first, so none).
    expect(limited(s.token)).toBeLessThanOrEqual(1);
    const logs = ctx.output.join("");
    expect(logs).not.toContain(s.token);
  }, 90_000);

  it("a sync that meets a 429 mid-run waits for the reset and ends succeeded without spending its attempts", async () => {
    const s = await setup();
    source.set(s.folder, { ONLY: "1" });
    // Three 429s in a row, each of them without anything recorded for the connection before.
    ctx.railway.injectFaults(
      { type: "rateLimited", retryAfter: 1 },
      { type: "rateLimited", retryAfter: 1 },
      { type: "rateLimited", retryAfter: 1 },
    );
    const id = await createSync(s, s.scopes[0]!);
    const sync = await until(async () => {
      const got = await getSync(id);
      return got.syncStatus === "succeeded" || got.syncStatus === "failed" ? got : undefined;
    }, 30_000);
    expect([sync.syncStatus, sync.lastSyncMessage]).toEqual([
      "succeeded",
      "Wrote 1 secret, deleted 0 secrets; redeployed the latest successful deployment.",
    ]);
  }, 40_000);

  it("a re-check held for the rate limit is not taken for a lost job by the stale sweep, and settles after the reset", async () => {
    // One request per 8 s: the create's verification spends the window, so the re-check is held.
    const s = await setup({ requests: 1, windowMs: 8000 });
    const before = await getConnection(s.connectionId);
    expect((await ctx.api(`/api/v1/app-connections/railway/${s.connectionId}/verify`, { method: "POST" })).status).toBe(
      202,
    );
    await until(
      () =>
        ctx.output
          .join("")
          .split("\n")
          .some((line) => line.includes("verification held") && line.includes(s.connectionId)),
      10_000,
    );
    const held = await getConnection(s.connectionId);
    expect(held.pendingVerification).toMatchObject({ purpose: "recheck" });

    // The sweep's page, run as if the re-check had been requested longer ago than STALE_VERIFICATION_MINUTES.
    const stale = new Date(Date.now() + 3000).toISOString();
    const { items } = await Connection.due(Layout.maintenanceKey("JOB", s.connectionId), stale, 100);
    await Connection.resolveStale(items);
    expect(items.map((i) => i.id)).not.toContain(s.connectionId);
    expect((await getConnection(s.connectionId)).pendingVerification).toEqual(held.pendingVerification);

    const settledAfter = await until(async () => {
      const c = await getConnection(s.connectionId);
      return c.pendingVerification === null ? c : undefined;
    }, 20_000);
    expect(settledAfter.status).toBe("active");
    expect(settledAfter.verifiedAt > before.verifiedAt).toBe(true);
    expect(limited(s.token)).toBe(0);
  }, 40_000);
});

describe("the budget item", () => {
  const stored = async (connectionId: string) =>
    (await Dynamo.client.send(new GetCommand({ TableName: Dynamo.table(), Key: RateLimit.key(connectionId) }))).Item;

  it("ten jobs at once on a window with 8 requests left: two of 4 requests are admitted, the others held until the reset", async () => {
    const id = randomUUID();
    const resetAt = Date.now() + 60_000;
    await RateLimit.record(id, { status: 200, limit: 10, remaining: 8, resetAt });
    const admitted = await Promise.all(Array.from({ length: 10 }, () => RateLimit.admit(id, 4)));
    expect(admitted.filter((until) => until === undefined)).toHaveLength(2);
    expect(admitted.filter((until) => until === resetAt)).toHaveLength(8);
    expect(await stored(id)).toMatchObject({ remaining: 0, resetAt, limit: 10 });
  });

  it("keeps the lower of what is left within a window, takes a 429, and holds nothing but the connection's numbers", async () => {
    const id = randomUUID();
    const resetAt = Date.now() + 60_000;
    await RateLimit.record(id, { status: 200, limit: 10, remaining: 3, resetAt });
    await RateLimit.record(id, { status: 200, limit: 10, remaining: 7, resetAt });
    expect(await stored(id)).toMatchObject({ remaining: 3 });
    // Plenty left is not worth a write where nothing is stored.
    const other = randomUUID();
    await RateLimit.record(other, { status: 200, limit: 1000, remaining: 900, resetAt });
    expect(await stored(other)).toBeUndefined();
    const retryAt = Date.now() + 90_000;
    await RateLimit.record(id, { status: 429, retryAt });
    const item = await stored(id);
    expect(item).toMatchObject({ remaining: 0, resetAt: retryAt });
    expect(Object.keys(item ?? {}).sort()).toEqual(["expiresAt", "limit", "pk", "remaining", "resetAt", "sk"]);
    expect(await RateLimit.admit(id, 1)).toBe(retryAt);
  });
});
