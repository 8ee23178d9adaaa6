// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Railway's reference syntax, as Railway stores it
// Two of Railway's rules, end to end (the API, the real sync queue and worker in the emulator,
// Railway's stand-in; the folder from the in-memory Source): a sealed variable is a person's and
// never the sync's, and a change to shared variables redeploys exactly the services that read it.
// Each test fails on the code before issue 26's items 4 and 6.
import * as Sync from "@app/core/sync";
import { beforeAll, describe, expect, it } from "vitest";
import * as Railway from "./support/railway.ts";
import { connectedProject } from "./support/railway.ts";
import { useStack } from "./support/stack.ts";
import { until } from "./support/until.ts";

process.env.SYNC_DEBOUNCE_SECONDS = "1";
const ctx = useStack();
const source = Sync.memory();
beforeAll(() => Sync.use(source));

const SECRET = "s3cr3t-rules-";

/** A Railway project with deployed services `api`, `web`, `worker`, `cron`, a connection to it, and a folder. */
async function setup() {
  const {
    app,
    env,
    projectId,
    connectionId,
    scope: service,
  } = await connectedProject(ctx, {
    services: ["api", "web", "worker", "cron"],
  });
  return {
    app,
    projectId,
    connectionId,
    folder: { orgId: ctx.stack.orgId, projectId, environment: "prod", secretPath: "/app" },
    shared: { projectId: app.id, environmentId: env.id },
    api: service("api"),
    web: service("web"),
    worker: service("worker"),
    cron: service("cron"),
  };
}
type Setup = Awaited<ReturnType<typeof setup>>;
type Scope = Setup["shared"] & { serviceId?: string };

const createSync = (s: Setup, destination: Scope, initialSyncBehavior = "overwrite-destination") =>
  Railway.createSync(ctx, s, destination, { syncOptions: { initialSyncBehavior } });

const get = (id: string) => Railway.getSync(ctx, id);

/** Waits until the sync's status for `field` is settled (not pending or running). */
const done = (id: string, field = "syncStatus", timeoutMs = 20_000) =>
  until(async () => {
    const s = await get(id);
    return s[field] === "succeeded" || s[field] === "failed" ? s : undefined;
  }, timeoutMs);

/** A manual sync, settled. */
async function syncAgain(id: string) {
  const before = await get(id);
  const res = await ctx.api(`/api/v1/secret-syncs/railway/${id}/sync-secrets`, { method: "POST" });
  expect(res.status).toBe(200);
  await until(async () => (await get(id)).lastSyncJobId !== before.lastSyncJobId);
  return done(id);
}

/** Names of the services redeployed in the project since `from` (an index into the stand-in's deployments). */
const redeployedSince = (s: Setup, from: number) =>
  ctx.railway.deployments
    .slice(from)
    .filter((d) => d.projectId === s.app.id)
    .map((d) => s.app.services.find((x) => x.id === d.serviceId)!.name)
    .sort();

const requestsFor = (s: Setup, field: string, from = 0) =>
  ctx.railway.requests
    .slice(from)
    .filter((r) => r.fields.includes(field) && JSON.stringify(r.variables ?? {}).includes(s.app.id)).length;

describe("a sealed variable is Railway's, never the sync's", () => {
  it("overwrite-destination: a sealed name in the source is neither written nor adopted, and the message names it", async () => {
    const s = await setup();
    ctx.railway.setVariables(s.api, { SEALED: "sealed-by-hand", PLAIN: "by-hand" });
    ctx.railway.sealVariables(s.api, ["SEALED"]);
    source.set(s.folder, { SEALED: `${SECRET}sealed`, PLAIN: `${SECRET}plain`, A: `${SECRET}a` });
    const sync = await done((await createSync(s, s.api)).id);
    expect(sync.syncStatus).toBe("succeeded");
    expect(ctx.railway.getVariables(s.api)).toEqual({
      SEALED: "sealed-by-hand",
      PLAIN: `${SECRET}plain`,
      A: `${SECRET}a`,
    });
    expect(ctx.railway.sealedVariables(s.api)).toEqual(["SEALED"]);
    expect(sync.lastSyncMessage).toContain("Wrote 2 secrets");
    expect(sync.lastSyncMessage).toContain("SEALED (sealed)");
    expect(sync.lastSyncMessage).not.toContain(SECRET);
  });

  for (const behavior of ["import-prioritize-source", "import-prioritize-destination"])
    it(`${behavior}: a sealed name is neither imported nor written, and the message names it`, async () => {
      const s = await setup();
      ctx.railway.setVariables(s.api, { SEALED: "sealed-by-hand", ONLY: "sealed-too", PLAIN: "by-hand" });
      ctx.railway.sealVariables(s.api, ["SEALED", "ONLY"]);
      source.set(s.folder, { SEALED: `${SECRET}sealed`, NEW: `${SECRET}new` });
      const sync = await done((await createSync(s, s.api, behavior)).id);
      expect(sync.syncStatus).toBe("succeeded");
      expect(await source.read(s.folder)).toEqual({ SEALED: `${SECRET}sealed`, NEW: `${SECRET}new`, PLAIN: "by-hand" });
      expect(ctx.railway.getVariables(s.api)).toEqual({
        SEALED: "sealed-by-hand",
        ONLY: "sealed-too",
        PLAIN: "by-hand",
        NEW: `${SECRET}new`,
      });
      expect(ctx.railway.sealedVariables(s.api)).toEqual(["ONLY", "SEALED"]);
      expect(sync.lastSyncMessage).toContain("ONLY (sealed)");
      expect(sync.lastSyncMessage).toContain("SEALED (sealed)");
    });

  it("a name the sync wrote and a person then sealed: left alone (not rewritten, not deleted) and no longer managed", async () => {
    const s = await setup();
    source.set(s.folder, { A: `${SECRET}a`, GONE: `${SECRET}gone`, KEPT: `${SECRET}kept` });
    const sync = await done((await createSync(s, s.api)).id);
    expect(sync.syncStatus).toBe("succeeded");
    ctx.railway.sealVariables(s.api, ["A", "GONE"]);
    source.set(s.folder, { A: `${SECRET}a-changed`, KEPT: `${SECRET}kept-changed` });
    source.remove(s.folder, "GONE");
    const after = await syncAgain(sync.id);
    expect(after.syncStatus).toBe("succeeded");
    expect(ctx.railway.getVariables(s.api)).toEqual({
      A: `${SECRET}a`,
      GONE: `${SECRET}gone`,
      KEPT: `${SECRET}kept-changed`,
    });
    expect(ctx.railway.sealedVariables(s.api)).toEqual(["A", "GONE"]);
    expect(after.lastSyncMessage).toContain("Wrote 1 secret, deleted 0 secrets");
    expect(after.lastSyncMessage).toContain("A (sealed), GONE (sealed)");
    expect(requestsFor(s, "variableDelete")).toBe(0);

    // No longer the sync's: remove-secrets removes only KEPT.
    const res = await ctx.api(`/api/v1/secret-syncs/railway/${sync.id}/remove-secrets`, { method: "POST" });
    expect(res.status).toBe(200);
    const removed = await done(sync.id, "removeStatus");
    expect(removed.lastRemoveMessage).toBe("Removed 1 secret from Railway.");
    expect(ctx.railway.getVariables(s.api)).toEqual({ A: `${SECRET}a`, GONE: `${SECRET}gone` });
  });

  it("remove-secrets: a synced name sealed since stays, is not counted, and the message names it", async () => {
    const s = await setup();
    source.set(s.folder, { A: `${SECRET}a`, B: `${SECRET}b` });
    const sync = await done((await createSync(s, s.api)).id);
    ctx.railway.sealVariables(s.api, ["B"]);
    const res = await ctx.api(`/api/v1/secret-syncs/railway/${sync.id}/remove-secrets`, { method: "POST" });
    expect(res.status).toBe(200);
    const removed = await done(sync.id, "removeStatus");
    expect(removed.removeStatus).toBe("succeeded");
    expect(removed.lastRemoveMessage).toBe("Removed 1 secret from Railway. Left alone: B (sealed).");
    expect(ctx.railway.getVariables(s.api)).toEqual({ B: `${SECRET}b` });
    expect(ctx.railway.sealedVariables(s.api)).toEqual(["B"]);
  });
});

describe("a change to shared variables redeploys the services that read it", () => {
  /** `api` and `web` read URL, `worker` reads KEEP (which the sync does not change), `cron` reads none. */
  function readers(s: Setup) {
    ctx.railway.setVariables(s.shared, { URL: "https://old.example", KEEP: "k" });
    ctx.railway.setVariables(s.api, { BASE: "${{shared.URL}}/api" });
    ctx.railway.setVariables(s.web, { SITE: "${{ shared.URL }}", OTHER: "${{api.BASE}}" });
    ctx.railway.setVariables(s.worker, { K: "${{shared.KEEP}}" });
    ctx.railway.setVariables(s.cron, { PLAIN: "p" });
  }

  it("exactly the two services that read a changed name are redeployed, once each, and the message names them", async () => {
    const s = await setup();
    readers(s);
    source.set(s.folder, { URL: `${SECRET}url`, KEEP: "k" });
    const from = { deployments: ctx.railway.deployments.length, requests: ctx.railway.requests.length };
    const sync = await done((await createSync(s, s.shared)).id);
    expect(sync.syncStatus).toBe("succeeded");
    expect(ctx.railway.getVariables(s.shared)).toEqual({ URL: `${SECRET}url`, KEEP: "k" });
    expect(redeployedSince(s, from.deployments)).toEqual(["api", "web"]);
    expect(sync.lastSyncMessage).toContain("redeployed api, web");
    expect(sync.lastSyncMessage).not.toContain(SECRET);
    // The cost: the shared read, the services listing, one read per service, the upsert, then a
    // deployments lookup and a redeploy per reader.
    expect(requestsFor(s, "variables", from.requests)).toBe(1 + 4);
    expect(requestsFor(s, "environment", from.requests)).toBe(1);
    expect(requestsFor(s, "variableCollectionUpsert", from.requests)).toBe(1);
    expect(requestsFor(s, "deployments", from.requests)).toBe(2);
    // (a redeploy names only the deployment)
    expect(
      ctx.railway.requests.slice(from.requests).filter((r) => r.fields.includes("deploymentRedeploy")),
    ).toHaveLength(2);

    // Nothing changed: nothing is read beyond the shared variables, nothing redeployed.
    const again = { deployments: ctx.railway.deployments.length, requests: ctx.railway.requests.length };
    const quiet = await syncAgain(sync.id);
    expect(quiet.lastSyncMessage).toContain("nothing changed, nothing redeployed");
    expect(redeployedSince(s, again.deployments)).toEqual([]);
    expect(requestsFor(s, "variables", again.requests)).toBe(1);
  });

  it("a change nobody reads redeploys nothing", async () => {
    const s = await setup();
    readers(s);
    source.set(s.folder, { UNREAD: `${SECRET}unread` });
    const from = ctx.railway.deployments.length;
    const sync = await done((await createSync(s, s.shared)).id);
    expect(sync.syncStatus).toBe("succeeded");
    expect(redeployedSince(s, from)).toEqual([]);
    expect(sync.lastSyncMessage).toContain("no service reads the changed shared variables");
  });

  it("with a delete: Railway's delete redeploys its readers, the sync the readers of the rest (Railway redeploying only readers)", async () => {
    const s = await setup();
    readers(s);
    source.set(s.folder, { URL: `${SECRET}url`, KEEP: "k" });
    const sync = await done((await createSync(s, s.shared)).id);
    ctx.railway.setSharedDeploys("readers");
    try {
      source.set(s.folder, { URL: `${SECRET}url-2` });
      source.remove(s.folder, "KEEP");
      const from = ctx.railway.deployments.length;
      const after = await syncAgain(sync.id);
      expect(after.syncStatus).toBe("succeeded");
      expect(ctx.railway.getVariables(s.shared)).toEqual({ URL: `${SECRET}url-2` });
      // worker by Railway's delete, api and web by the sync: each reader once, cron not at all.
      expect(redeployedSince(s, from)).toEqual(["api", "web", "worker"]);
      expect(after.lastSyncMessage).toContain("redeployed api, web");
      expect(after.lastSyncMessage).toContain("Railway's deletes redeploy worker");
    } finally {
      ctx.railway.setSharedDeploys("every-service");
    }
  });

  it("with a delete, Railway redeploying every service: every reader still gets the new values", async () => {
    const s = await setup();
    readers(s);
    source.set(s.folder, { URL: `${SECRET}url`, KEEP: "k" });
    const sync = await done((await createSync(s, s.shared)).id);
    source.set(s.folder, { URL: `${SECRET}url-2` });
    source.remove(s.folder, "KEEP");
    const from = ctx.railway.deployments.length;
    const after = await syncAgain(sync.id);
    expect(after.syncStatus).toBe("succeeded");
    const redeployed = redeployedSince(s, from);
    for (const reader of ["api", "web", "worker"]) expect(redeployed).toContain(reader);
    // The sync cannot tell which way Railway went: it redeploys the readers of the upsert anyway.
    expect(after.lastSyncMessage).toContain("redeployed api, web");
  });
});
