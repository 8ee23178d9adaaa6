// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Railway's reference syntax, as Railway stores it
// Reconciliation end to end: the schedule's run (functions/maintenance.ts) fans out through the
// real maintenance queue, its pages queue the syncs' jobs on the real sync queue, and the worker
// compares Railway's stand-in with the source. The secrets come from the in-memory Source
// (packages/core/src/sync/source.ts), as in tests/syncs.test.ts: setting it without
// `Sync.triggered` is a change whose trigger was lost.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as Sync from "@app/core/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Railway from "./support/railway.ts";
import { connect } from "./support/railway.ts";
import { useStack } from "./support/stack.ts";
import { until } from "./support/until.ts";

// No pacing: a run's reconciles go out at once (the pace is packages/core/src/maintenance's plan, unit-tested).
Object.assign(process.env, { SYNC_DEBOUNCE_SECONDS: "1", SYNC_RECONCILE_PER_SECOND: "0" });
const ctx = useStack();
const source = Sync.memory();
beforeAll(() => Sync.use(source));

const SECRET = "s3cr3t-value-";

/** A Railway project with a deployed `api` service, a connection to it, and a folder. */
async function setup() {
  const { railway } = ctx;
  const user = railway.addUser({ name: "Ada" });
  const team = railway.addWorkspace(user.id, { name: "Team" });
  const app = railway.addProject(team.id, { environments: ["production"], services: ["api"] });
  const env = app.environments[0]!;
  const api = app.services[0]!;
  const projectId = randomUUID();
  const appConnection = { id: await connect(ctx, team.workspaceToken, projectId, `c-${projectId.slice(0, 8)}`) };
  const folder = { orgId: ctx.stack.orgId, projectId, environment: "prod", secretPath: "/app" };
  const scope = { projectId: app.id, environmentId: env.id, serviceId: api.id };
  // What a person set by hand and Railway's own: never touched by a sync, nor by a reconcile.
  railway.setVariables(scope, { HAND: "by-hand", RAILWAY_PUBLIC_DOMAIN: "x.up.railway.app" });
  return { app, env, api, projectId, connectionId: appConnection.id, folder, scope };
}
type Setup = Awaited<ReturnType<typeof setup>>;

const untouched = { HAND: "by-hand", RAILWAY_PUBLIC_DOMAIN: "x.up.railway.app" };

const createSync = (s: Setup, extra: Record<string, unknown> = {}) => Railway.createSync(ctx, s, s.scope, extra);

const get = (id: string) => Railway.getSync(ctx, id);

/** The sync once its run has settled. */
const done = (id: string) =>
  until(async () => {
    const s = await get(id);
    return s.syncStatus === "succeeded" || s.syncStatus === "failed" ? s : undefined;
  }, 15_000);

/** The sync once a run after `before` (its `lastSyncedAt`) has settled. */
const ranAgain = (id: string, before: string) =>
  until(async () => {
    const s = await get(id);
    return s.lastSyncedAt !== before && (s.syncStatus === "succeeded" || s.syncStatus === "failed") ? s : undefined;
  }, 20_000);

/** Railway's requests about this project (a redeploy names only its deployment: counted apart). */
const requests = (s: Setup) => ctx.railway.requests.filter((r) => JSON.stringify(r.variables ?? {}).includes(s.app.id));
const count = (s: Setup, field: string) => requests(s).filter((r) => r.fields.includes(field)).length;
const redeploys = (s: Setup) => ctx.railway.deployments.filter((d) => d.projectId === s.app.id).length;

/** One scheduled run, as EventBridge starts it; the stack's consumer handles its pages. */
async function reconcile() {
  const maintenance = await import("../functions/maintenance.ts");
  await maintenance.reconcile();
}

const servers: import("node:http").Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

/** A webhook endpoint of the org on a real receiver; what it received. */
async function receiver(eventTypes: string[]) {
  const received: { body: string; event: any }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      received.push({ body, event: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const res = await ctx.api("/api/v1/webhooks", { json: { url, eventTypes } });
  expect(res.status).toBe(201);
  return received;
}

describe("reconciliation", () => {
  it("a managed variable edited by hand in Railway is restored, named in the message, and a drift event goes out", async () => {
    const s = await setup();
    source.set(s.folder, { A: `${SECRET}a`, B: `${SECRET}b` });
    const sync = await done((await createSync(s)).id);
    expect(sync.syncStatus).toBe("succeeded");
    const received = await receiver(["secret-sync.drift-corrected"]);

    ctx.railway.setVariables(s.scope, { A: "edited-in-the-dashboard" });
    await reconcile();
    await until(() => ctx.railway.getVariables(s.scope).A === `${SECRET}a`, 20_000);
    expect(ctx.railway.getVariables(s.scope)).toEqual({ ...untouched, A: `${SECRET}a`, B: `${SECRET}b` });

    const after = await ranAgain(sync.id, sync.lastSyncedAt);
    expect(after.syncStatus).toBe("succeeded");
    expect(after.lastSyncMessage).toContain("Corrected drift (Railway differed from the source): A.");
    expect(after.lastSyncMessage).not.toContain("B");
    expect(after.lastSyncMessage).not.toContain(SECRET);
    expect(after.lastSyncMessage).not.toContain("edited-in-the-dashboard");

    const [delivered] = await until(() => (received.length > 0 ? received : undefined), 20_000);
    expect(delivered?.event).toMatchObject({
      type: "secret-sync.drift-corrected",
      data: { secretSync: { id: sync.id, syncStatus: "succeeded" }, keys: ["A"] },
    });
    // Names only: neither the source's value nor the one found in Railway.
    expect(delivered?.body).not.toContain(SECRET);
    expect(delivered?.body).not.toContain("edited-in-the-dashboard");
  });

  it("a sync in line: one read of Railway, no mutation, no redeploy, no event", async () => {
    const s = await setup();
    source.set(s.folder, { A: `${SECRET}a` });
    const sync = await done((await createSync(s)).id);
    const received = await receiver(["secret-sync.succeeded", "secret-sync.failed", "secret-sync.drift-corrected"]);
    await new Promise((r) => setTimeout(r, 1000)); // the first sync's requests are all in
    const mutations = () =>
      count(s, "variableCollectionUpsert") + count(s, "variableUpsert") + count(s, "variableDelete");
    const before = { requests: requests(s).length, reads: count(s, "variables"), mutations: mutations() };
    const deploys = redeploys(s);
    const started = Date.now();

    await reconcile();
    const after = await ranAgain(sync.id, sync.lastSyncedAt);
    await new Promise((r) => setTimeout(r, 1000));
    expect(after.syncStatus).toBe("succeeded");
    expect(after.lastSyncMessage).toContain("nothing changed, nothing redeployed");
    expect(count(s, "variables") - before.reads).toBe(1);
    expect(requests(s).length - before.requests).toBe(1);
    expect(mutations() - before.mutations).toBe(0);
    expect(redeploys(s) - deploys).toBe(0);
    expect(ctx.railway.getVariables(s.scope)).toEqual({ ...untouched, A: `${SECRET}a` });
    // The sync's own events since the run began (the first sync's may reach the new endpoint late).
    const mine = received.filter(
      (r) => r.event.data?.secretSync?.id === sync.id && Date.parse(r.event.timestamp) >= started,
    );
    expect(mine).toEqual([]);
  });

  it("a change whose trigger was lost is healed by the next reconcile", async () => {
    const s = await setup();
    source.set(s.folder, { A: `${SECRET}a`, GONE: `${SECRET}gone` });
    const sync = await done((await createSync(s)).id);
    // The store changed, but nothing queued the sync (the stream's record and the outbox's event lost).
    source.set(s.folder, { A: `${SECRET}a2`, NEW: `${SECRET}new` });
    source.remove(s.folder, "GONE");
    await new Promise((r) => setTimeout(r, 2500));
    expect(ctx.railway.getVariables(s.scope).A).toBe(`${SECRET}a`);

    await reconcile();
    await until(() => ctx.railway.getVariables(s.scope).A === `${SECRET}a2`, 20_000);
    const after = await ranAgain(sync.id, sync.lastSyncedAt);
    expect(after.syncStatus).toBe("succeeded");
    expect(ctx.railway.getVariables(s.scope)).toEqual({ ...untouched, A: `${SECRET}a2`, NEW: `${SECRET}new` });
  });

  it("a sync with auto-sync off is not reconciled; one with it on, beside it, is", async () => {
    const on = await setup();
    const off = await setup();
    source.set(on.folder, { A: `${SECRET}on` });
    source.set(off.folder, { A: `${SECRET}off` });
    const syncOn = await done((await createSync(on)).id);
    await done((await createSync(off, { isAutoSyncEnabled: false })).id);
    expect(ctx.railway.getVariables(off.scope).A).toBe(`${SECRET}off`);
    ctx.railway.setVariables(on.scope, { A: "edited" });
    ctx.railway.setVariables(off.scope, { A: "edited" });
    await new Promise((r) => setTimeout(r, 1000));
    const offRequests = requests(off).length;

    await reconcile();
    await until(() => ctx.railway.getVariables(on.scope).A === `${SECRET}on`, 20_000);
    await ranAgain(syncOn.id, syncOn.lastSyncedAt);
    await new Promise((r) => setTimeout(r, 2000));
    expect(ctx.railway.getVariables(off.scope).A).toBe("edited");
    expect(requests(off).length).toBe(offRequests);
  });
});
